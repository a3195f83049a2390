import { haversineKm } from '../geo-distance.ts';
import type { ChartPlace, ChartSeries } from './chart-input.ts';

export interface KnownPlace {
  name: string;
  lat: number;
  lon: number;
  kind: ChartPlace['kind'];
}

/**
 * When the vehicle was at each known place: a visit is a run of fixes within `radiusKm`, marked at
 * its closest fix; a place passed twice is marked twice (runs separated by more than `minApartMs`).
 */
export function placeVisits(series: ChartSeries, places: readonly KnownPlace[], radiusKm = 0.5, minApartMs = 30 * 60_000): ChartPlace[] {
  const visits: ChartPlace[] = [];
  for (const place of places) {
    let best = -1;
    let bestKm = Number.POSITIVE_INFINITY;
    let lastInMs = Number.NEGATIVE_INFINITY;
    const flush = () => {
      if (best >= 0) visits.push({ name: place.name, atMs: series.tsMs[best]!, kind: place.kind });
      best = -1;
      bestKm = Number.POSITIVE_INFINITY;
    };
    for (let i = 0; i < series.length; i++) {
      const lat = series.lat[i]!;
      const lon = series.lon[i]!;
      if (Number.isNaN(lat) || Number.isNaN(lon)) continue;
      const d = haversineKm(lat, lon, place.lat, place.lon);
      if (d > radiusKm) continue;
      if (series.tsMs[i]! - lastInMs > minApartMs) flush();
      lastInMs = series.tsMs[i]!;
      if (d < bestKm) {
        bestKm = d;
        best = i;
      }
    }
    flush();
  }
  return visits.sort((a, b) => a.atMs - b.atMs);
}
