/**
 * Reading a ClearML session token. The token is a JWT signed by the server; the client cannot
 * verify it (it lacks the server's secret) and does not need to: it only reads the expiry, as the
 * official SDK does, to log in again before the server starts refusing it.
 *
 * @module
 */

/** What the client reads from a session token. */
export interface TokenTimes {
  /** `exp`, in epoch seconds; absent when the token does not expire (or is not a JWT). */
  expiresAt?: number;
  /** `iat`, in epoch seconds, when present. */
  issuedAt?: number;
}

/**
 * Reads `exp` and `iat` from a JWT's payload without verifying the signature. Anything that is
 * not a readable JWT gives `{}`: such a token is then refreshed only when the server refuses it.
 *
 * @example
 * ```ts
 * import { readTokenTimes } from "./token.ts";
 * const payload = btoa(JSON.stringify({ iat: 1000, exp: 4600 })).replace(/=+$/, "");
 * const times = readTokenTimes(`eyJhbGciOiJIUzI1NiJ9.${payload}.signature`);
 * console.assert(times.expiresAt === 4600 && times.issuedAt === 1000);
 * ```
 */
export function readTokenTimes(token: string): TokenTimes {
  const payload = token.split(".")[1];
  if (payload === undefined || payload === "") return {};
  let claims: unknown;
  try {
    claims = JSON.parse(decodeBase64Url(payload));
  } catch {
    return {};
  }
  if (typeof claims !== "object" || claims === null) return {};
  const { exp, iat } = claims as { exp?: unknown; iat?: unknown };
  const times: TokenTimes = {};
  if (typeof exp === "number" && Number.isFinite(exp)) times.expiresAt = exp;
  if (typeof iat === "number" && Number.isFinite(iat)) times.issuedAt = iat;
  return times;
}

/**
 * Whether a token with these times should be replaced at `nowMs`: when fewer than
 * `refreshBeforeExpirySec` seconds remain, or fewer than half its lifetime, whichever is
 * smaller. The second bound keeps a server that issues short-lived tokens (shorter than the
 * threshold) from causing a login before every call.
 *
 * @example
 * ```ts
 * import { needsRefresh } from "./token.ts";
 * const times = { issuedAt: 0, expiresAt: 3600 };
 * console.assert(!needsRefresh(times, 3000_000, 60));
 * console.assert(needsRefresh(times, 3560_000, 60));
 * ```
 */
export function needsRefresh(
  times: TokenTimes,
  nowMs: number,
  refreshBeforeExpirySec: number,
): boolean {
  if (times.expiresAt === undefined) return false;
  let margin = refreshBeforeExpirySec;
  if (times.issuedAt !== undefined && times.expiresAt > times.issuedAt) {
    margin = Math.min(margin, (times.expiresAt - times.issuedAt) / 2);
  }
  return nowMs / 1000 >= times.expiresAt - margin;
}

function decodeBase64Url(text: string): string {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}
