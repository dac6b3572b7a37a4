/**
 * Which ClearML calls may be sent twice. A call that timed out or lost its connection may have
 * run on the server, so only calls whose second run leaves the same state are retried after a
 * network error or a 408/500/502/504 (every call is retried after 429/503, where the server did
 * not act; see `src/http/retry.ts`).
 *
 * | endpoint | idempotent | why |
 * |---|---|---|
 * | `auth.login` | yes | issues one more token; the old one stays valid |
 * | `*.get_all`, `*.get_by_id` | yes | reads |
 * | `models.edit`, `models.update` | yes | set fields to given values |
 * | `models.add_or_update_metadata` | yes | sets keys to given values (a merge, not an append) |
 * | `models.delete_metadata` | yes | removing an absent key is a no-op (`updated: 1` anyway) |
 * | `models.set_ready` | yes | same end state; a repeat answers 400/203, which `setReady` accepts |
 * | `models.delete` | yes | same end state; a repeat answers 400/201, so `delete` may report `false` for a model it did delete |
 * | `projects.delete` | yes | same, with 400/401 |
 * | `models.create` | **no** | model names are not unique: a repeat makes a second model |
 * | `projects.create` | **no** | a repeat fails with 400/801 (duplicate name) although the first worked |
 * | anything else | reads (`.get_*`) yes, the rest no | unknown effects are assumed unsafe |
 *
 * @module
 */

/**
 * The idempotency table above, by endpoint.
 *
 * @example
 * ```ts
 * import { ENDPOINT_IDEMPOTENCY } from "./endpoints.ts";
 * console.assert(ENDPOINT_IDEMPOTENCY["models.create"] === false);
 * ```
 */
export const ENDPOINT_IDEMPOTENCY: Readonly<Record<string, boolean>> = Object.freeze({
  "auth.login": true,
  "models.get_all": true,
  "models.get_by_id": true,
  "projects.get_all": true,
  "projects.get_by_id": true,
  "models.edit": true,
  "models.update": true,
  "models.add_or_update_metadata": true,
  "models.delete_metadata": true,
  "models.set_ready": true,
  "models.delete": true,
  "projects.delete": true,
  "models.create": false,
  "projects.create": false,
});

/**
 * Whether `endpoint` may be retried after a failure that may have reached the server.
 *
 * @example
 * ```ts
 * import { isIdempotentEndpoint } from "./endpoints.ts";
 * console.assert(isIdempotentEndpoint("models.get_all"));
 * console.assert(isIdempotentEndpoint("tasks.get_all_ex"));
 * console.assert(!isIdempotentEndpoint("models.create"));
 * ```
 */
export function isIdempotentEndpoint(endpoint: string): boolean {
  const known = ENDPOINT_IDEMPOTENCY[endpoint];
  if (known !== undefined) return known;
  const action = endpoint.slice(endpoint.indexOf(".") + 1);
  return action.startsWith("get_");
}
