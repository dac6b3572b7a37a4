/**
 * The user-management API's `GET /health`. The Python SDK 0.2.58+ ignored its status code, so a
 * failing service passed the check; here only a 2xx answer passes.
 *
 * @module
 */

import { ServiceError } from "../errors.ts";
import { describeUrl, fetchWithPolicy } from "../http/fetch.ts";
import { excerpt } from "../redact.ts";
import { resolveUserManagementOptions, type UserManagementOptions } from "./options.ts";

/**
 * Resolves when `GET {userManagementApi}/health` answers 2xx. Throws `ServiceError` (with the
 * status) for any other answer, and `ConnectionError` or `TimeoutError` when there is none.
 *
 * @example
 * ```ts ignore
 * import { checkUserManagementHealth } from "./health.ts";
 * await checkUserManagementHealth({ userManagementApi: "http://127.0.0.1:8090", retry: { retries: 0 } });
 * ```
 */
export async function checkUserManagementHealth(options: UserManagementOptions): Promise<void> {
  const resolved = resolveUserManagementOptions(options);
  const url = `${resolved.baseUrl}/health`;
  const response = await fetchWithPolicy({
    service: "user-management",
    url,
    init: () => ({ method: "GET", headers: { accept: "application/json" } }),
    idempotent: true,
    fetch: resolved.fetch,
    timeoutMs: resolved.timeoutMs,
    retry: resolved.retry,
    signal: resolved.signal,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new ServiceError(
      "user-management",
      `The user-management API at ${describeUrl(url)} is not healthy: HTTP ${response.status}, ` +
        excerpt(text, []),
      { status: response.status },
    );
  }
}
