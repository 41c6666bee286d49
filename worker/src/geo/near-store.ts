// Where a visitor is, and which of the workspace's stores they are near. Pure: the ingest route
// reads the location (request.cf, or a development override), the customer's object decides.

/** A physical store, as `PUT /v1/admin/stores` takes it and the published config carries it. */
export interface StoreLocation {
  id: string;
  name: string;
  lat: number;
  lon: number;
  radius_km: number;
}

export interface Location {
  lat: number;
  lon: number;
}

/** The store a visitor is near, as the profile shows it (`near_store`). */
export interface NearStore {
  store_id: string;
  name: string;
  distance_km: number;
  /** When the visitor was last seen within its radius (ISO). */
  at: string;
}

export const STORE_LIMITS = {
  storesPerWorkspace: 500,
  /** A store's radius: a city block to a city. */
  minRadiusKm: 0.05,
  maxRadiusKm: 100,
} as const;

/** The development override of the visitor's location: `x-seam-location: 52.52,13.40`. */
export const DEV_LOCATION_HEADER = "x-seam-location";

const EARTH_RADIUS_KM = 6371.0088;

function validLocation(lat: number, lon: number): Location | undefined {
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { lat, lon } : undefined;
}

/** The visitor's location from `request.cf` (Cloudflare sends latitude and longitude as strings), if it has one. */
export function locationFromCf(cf: unknown): Location | undefined {
  const c = cf as { latitude?: unknown; longitude?: unknown } | null | undefined;
  if (!c || (typeof c.latitude !== "string" && typeof c.latitude !== "number")) return undefined;
  if (typeof c.longitude !== "string" && typeof c.longitude !== "number") return undefined;
  if (String(c.latitude).trim() === "" || String(c.longitude).trim() === "") return undefined;
  return validLocation(Number(c.latitude), Number(c.longitude));
}

/** `lat,lon` as the development override writes it, or undefined when it is not one. */
export function parseLocationOverride(value: string): Location | undefined {
  const match = /^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(value);
  return match ? validLocation(Number(match[1]), Number(match[2])) : undefined;
}

/** Great-circle distance in km (haversine): exact enough for radii of 50 m and more. */
export function distanceKm(a: Location, b: Location): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The nearest store whose radius holds the location, with its distance (rounded to 10 m), or null. */
export function nearestStore(stores: readonly StoreLocation[], at: Location): { store: StoreLocation; distanceKm: number } | null {
  let best: { store: StoreLocation; distanceKm: number } | null = null;
  for (const store of stores) {
    const d = distanceKm(at, { lat: store.lat, lon: store.lon });
    if (d <= store.radius_km && (best === null || d < best.distanceKm)) best = { store, distanceKm: Math.round(d * 100) / 100 };
  }
  return best;
}

/**
 * The location of a browser's request: the development override when it is allowed (`npm run dev`),
 * else request.cf's. An override where it is not allowed is refused, never silently ignored: a
 * client that sends it in production has a bug worth seeing.
 */
export function requestLocation(
  cf: unknown,
  override: string | undefined,
  overrideAllowed: boolean,
): { ok: true; location: Location | undefined } | { ok: false; code: "dev_override_refused" | "invalid_location"; message: string } {
  if (override === undefined) return { ok: true, location: locationFromCf(cf) };
  if (!overrideAllowed)
    return { ok: false, code: "dev_override_refused", message: `${DEV_LOCATION_HEADER} is a development override: it is refused outside \`npm run dev\`` };
  const location = parseLocationOverride(override);
  return location ? { ok: true, location } : { ok: false, code: "invalid_location", message: `${DEV_LOCATION_HEADER} must be "lat,lon" in degrees` };
}
