// The display units of the devices a console page shows (GET /v1/devices/:id, its region), each
// device read once per page; a device that cannot be read is shown in metric, the schema's units.
import { getJson } from '/assets/format.js';
import { unitsOfDevice } from '/assets/units-text.js';

const known = new Map();

/** The units of `deviceId`; `?units=metric|imperial` in the page's address overrides, as on the replay. */
export function unitsFor(deviceId) {
  const requested = new URLSearchParams(location.search).get('units');
  const override = requested === 'metric' || requested === 'imperial' ? requested : undefined;
  if (!known.has(deviceId)) {
    known.set(deviceId, getJson(`/v1/devices/${encodeURIComponent(deviceId)}`).then(({ body }) => body, () => null));
  }
  return known.get(deviceId).then((device) => unitsOfDevice(device, override));
}

/** The units of every device in `ids`, as a Map. */
export async function unitsForAll(ids) {
  const unique = [...new Set(ids)];
  const units = await Promise.all(unique.map(unitsFor));
  return new Map(unique.map((id, k) => [id, units[k]]));
}
