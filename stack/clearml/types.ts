/**
 * Types shared by the ClearML-compatible server's modules.
 *
 * @module
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

/** Who a call runs as: the `identity` claim of ClearML's tokens. */
export interface Identity {
  /** User id. */
  user: string;
  /** Company id. */
  company: string;
  /** Role, `"user"` for ordinary users. */
  role: string;
  /** User display name. */
  user_name: string;
  /** Company display name. */
  company_name: string;
}

/** An API version as parsed from the `/vX.Y/` path prefix. */
export interface ApiVersion {
  major: number;
  minor: number;
  /** The text as the server echoes it in `meta.endpoint.requested_version`. */
  text: string;
}

/**
 * A stored entity (a model or a project). Plain JSON so that the generic query, order and
 * projection code can walk dotted paths; datetime fields hold epoch milliseconds and are
 * formatted only on output.
 */
export type Doc = JsonObject;

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep copy of a JSON value, so callers never alias the store. */
export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}
