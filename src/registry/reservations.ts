/**
 * Reservations of automatic version names. An automatic `_v<N>` is chosen under the model's
 * lock before any byte is uploaded and recorded in the metadata key
 * `aipmodel_pending_versions` (a key the Python SDK neither reads nor trips over), so that two
 * processes never pick the same N and each uploads straight into `_models/{id}/_v<N>/`, with no
 * staging copy. The publish of the version removes its reservation; a reservation left by a
 * crashed process expires (its number is then skipped, never reused while it might be written).
 *
 * @module
 */

import type { TypedValue } from "./backend.ts";
import { nextVersionNumber, type VersionsMap } from "./format.ts";

/** The metadata key holding the reservations: `{"_v3": <expiry, epoch ms>}`. */
export const PENDING_KEY = "aipmodel_pending_versions";

/** How long a reservation protects its name: longer than any upload is expected to take. */
export const RESERVATION_TTL_MS = 24 * 60 * 60 * 1000;

/** Reserved names and their expiry (epoch ms), expired ones dropped. */
export function readReservations(text: string | undefined, now: number): Record<string, number> {
  const live: Record<string, number> = {};
  if (text === undefined || text === "") return live;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return live;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return live;
  for (const [name, expires] of Object.entries(parsed)) {
    if (typeof expires === "number" && expires > now) live[name] = expires;
  }
  return live;
}

/** The metadata item holding `reservations`. */
export function reservationsItem(reservations: Record<string, number>): Record<string, TypedValue> {
  return { [PENDING_KEY]: { type: "str", value: JSON.stringify(reservations) } };
}

/** The number of an automatic name `_v<N>`, or `undefined` for any other name. */
export function automaticNumber(name: string): number | undefined {
  const match = /^_v(\d+)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * The next version number: above every published and every reserved one, so that the automatic
 * `_v<N>` reserved by a running upload keeps N as its `version_number` (as the Python SDK's).
 */
export function nextNumber(map: VersionsMap, reservations: Record<string, number>): number {
  let next = nextVersionNumber(map);
  for (const name of Object.keys(reservations)) {
    const number = automaticNumber(name);
    if (number !== undefined) next = Math.max(next, number + 1);
  }
  return next;
}
