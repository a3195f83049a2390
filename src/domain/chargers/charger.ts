import { Type, type Static } from 'typebox';

/** A place where a device can charge. Charger locations are data (table `chargers`, `GET/POST /v1/chargers`). */
export const ChargerSchema = Type.Object({
  chargerId: Type.String({ minLength: 1, maxLength: 128 }),
  name: Type.String({ minLength: 1 }),
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lon: Type.Number({ minimum: -180, maximum: 180 }),
  powerKw: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
});
export type Charger = Static<typeof ChargerSchema>;
