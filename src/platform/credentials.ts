/**
 * The user-management API's `GET /metadata`: trades a user token for the user's name, S3 keys
 * and bucket, and ClearML keys, as the Python SDK 0.2.48+ does — but with the token in the
 * `Authorization` header only (0.2.36–0.2.43 put it in the query string, where proxies log it).
 *
 * @module
 */

import { AuthenticationError, ServiceError, ValidationError } from "../errors.ts";
import { describeUrl, fetchWithPolicy } from "../http/fetch.ts";
import { excerpt } from "../redact.ts";
import { resolveUserManagementOptions, type UserManagementOptions } from "./options.ts";

/**
 * What {@link fetchUserCredentials} takes.
 *
 * @example
 * ```ts
 * import type { FetchUserCredentialsOptions } from "./credentials.ts";
 * const options: FetchUserCredentialsOptions = {
 *   userManagementApi: "http://127.0.0.1:8090",
 *   userToken: "the user's token",
 * };
 * ```
 */
export interface FetchUserCredentialsOptions extends UserManagementOptions {
  /** The user's token (`USER_TOKEN`), sent as `Authorization: Bearer <token>`. */
  userToken: string;
}

/**
 * A platform user's credentials. They are secrets: do not log this object.
 *
 * @example
 * ```ts
 * import type { UserCredentials } from "./credentials.ts";
 * function bucketOf(credentials: UserCredentials): string {
 *   return credentials.s3Bucket;
 * }
 * ```
 */
export interface UserCredentials {
  /** The user name; the ClearML project is `project_{username}`. */
  username: string;
  /** `metadata.s3_access_key`. */
  s3AccessKey: string;
  /** `metadata.s3_secret_key`. */
  s3SecretKey: string;
  /** `metadata.s3_bucket`, the user's bucket. */
  s3Bucket: string;
  /** `metadata.clearml_access_key`. */
  clearmlAccessKey: string;
  /** `metadata.clearml_secret_key`. */
  clearmlSecretKey: string;
}

const FIELDS = [
  ["s3AccessKey", "s3_access_key"],
  ["s3SecretKey", "s3_secret_key"],
  ["s3Bucket", "s3_bucket"],
  ["clearmlAccessKey", "clearml_access_key"],
  ["clearmlSecretKey", "clearml_secret_key"],
] as const;

/**
 * Fetches the user's credentials from `GET {userManagementApi}/metadata`.
 *
 * Throws `AuthenticationError` when the token is refused (401/403), `ConnectionError` or
 * `TimeoutError` when the API does not answer, and `ServiceError` for any other status, a body
 * that is not JSON, or a record missing fields (every missing field is named). No message
 * contains the token or a received key.
 *
 * @example
 * ```ts ignore
 * import { fetchUserCredentials } from "./credentials.ts";
 * const credentials = await fetchUserCredentials({
 *   userManagementApi: process.env.USER_MANAGEMENT_API!,
 *   userToken: process.env.USER_TOKEN!,
 * });
 * console.log(credentials.username, credentials.s3Bucket);
 * ```
 */
export async function fetchUserCredentials(
  options: FetchUserCredentialsOptions,
): Promise<UserCredentials> {
  const resolved = resolveUserManagementOptions(options);
  const token = options.userToken;
  if (typeof token !== "string" || token.trim() === "") {
    throw new ValidationError("userToken", "expected a non-empty token (USER_TOKEN)");
  }
  const url = `${resolved.baseUrl}/metadata`;
  const where = `The user-management API at ${describeUrl(url)}`;
  const response = await fetchWithPolicy({
    service: "user-management",
    url,
    init: () => ({
      method: "GET",
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    }),
    idempotent: true,
    fetch: resolved.fetch,
    timeoutMs: resolved.timeoutMs,
    retry: resolved.retry,
    signal: resolved.signal,
  });
  const text = await response.text();
  const { status } = response;
  if (status === 401 || status === 403) {
    throw new AuthenticationError(
      "user-management",
      `${where} rejected the user token (HTTP ${status}). Check the userToken option ` +
        "(USER_TOKEN): it may be mistyped, expired or revoked.",
      { status },
    );
  }
  if (!response.ok) {
    throw new ServiceError(
      "user-management",
      `${where} answered HTTP ${status}: ${excerpt(text, [token])}`,
      { status },
    );
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    const type = response.headers.get("content-type") ?? "no content type";
    throw new ServiceError(
      "user-management",
      `${where} answered HTTP ${status} with something that is not JSON (${type}: ` +
        `${excerpt(text, [token], 120)}). Check that the URL points at the user-management API.`,
      { status, cause: error },
    );
  }
  return readCredentials(record, where, status);
}

function readCredentials(record: unknown, where: string, status: number): UserCredentials {
  const top = isObject(record) ? record : {};
  const metadata = isObject(top.metadata) ? top.metadata : {};
  const missing: string[] = [];
  const text = (value: unknown, name: string): string => {
    if (typeof value === "string" && value.trim() !== "") return value;
    missing.push(name);
    return "";
  };
  const credentials = { username: text(top.username, "username") } as UserCredentials;
  for (const [property, wire] of FIELDS) {
    credentials[property] = text(metadata[wire], `metadata.${wire}`);
  }
  if (missing.length > 0) {
    // Only the names of what came are shown, never values: the record holds keys.
    const received = isObject(record)
      ? Object.keys(record).join(", ") || "an empty object"
      : `a JSON ${Array.isArray(record) ? "array" : typeof record}`;
    throw new ServiceError(
      "user-management",
      `${where} answered without ${missing.join(", ")} (missing or empty; received ` +
        `${received}). Ask the platform team whether this user is fully provisioned.`,
      { status },
    );
  }
  return credentials;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
