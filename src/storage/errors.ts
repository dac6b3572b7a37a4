/**
 * AWS SDK failures turned into the SDK's typed errors. Messages name the operation, the bucket,
 * the key, the S3 code and the HTTP status, and never a credential: every string of
 * `context.secrets` is masked out of whatever the server or the SDK said.
 *
 * @module
 */

import {
  AipModelError,
  AuthenticationError,
  ConnectionError,
  IntegrityError,
  StorageError,
  TimeoutError,
} from "../errors.ts";
import { isRetryableStatus } from "../http/retry.ts";
import { redact } from "../redact.ts";
import type { StorageContext } from "./client.ts";

/** Where an S3 call happened, for the error it may become. */
export interface StorageCallSite {
  /** The S3 operation, e.g. `PutObject`. */
  operation: string;
  /** The bucket, when not the context's own. */
  bucket?: string;
  /** The object key or prefix. */
  key?: string;
}

/** The S3 codes that mean the credentials themselves were refused. */
const AUTHENTICATION_CODES = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
]);

/** The parts of an AWS SDK error this module reads. */
interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === "object" && error !== null ? error as SdkErrorShape : {};
}

/** The HTTP status of an SDK error, when the server answered. */
export function statusOf(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode;
}

/** The S3 error code (`NoSuchKey`, `AccessDenied`, ...) of an SDK error. */
export function codeOf(error: unknown): string | undefined {
  const { Code, name, $metadata } = shape(error);
  const given = typeof Code === "string" && Code !== ""
    ? Code
    : typeof name === "string" && name !== ""
    ? name
    : undefined;
  // An answer without a body (any HEAD) leaves the SDK with no code: name it after the status.
  if (given === undefined || given === "Unknown" || given === "UnknownError") {
    return STATUS_CODES[$metadata?.httpStatusCode ?? 0] ?? given;
  }
  return given;
}

const STATUS_CODES: Record<number, string> = {
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  412: "PreconditionFailed",
  416: "InvalidRange",
  500: "InternalError",
  503: "ServiceUnavailable",
};

/** What to do about the usual S3 codes, appended to messages. */
const HINTS: Record<string, string> = {
  AccessDenied: "these credentials are not allowed to do this",
  Forbidden: "these credentials are not allowed to do this",
  NoSuchBucket: "check the bucket name",
  NoSuchKey: "there is no such object",
  NotFound: "there is no such object or bucket",
  NoSuchUpload: "the multipart upload was aborted or completed meanwhile",
  PreconditionFailed: "the object changed while it was being read; try again",
  QuotaExceeded: "the user or bucket quota is full",
  SlowDown: "the server is overloaded; try again later",
  ServiceUnavailable: "the server is overloaded or down; try again later",
};

/** Whether an SDK error says that the object or bucket does not exist. */
export function isNotFound(error: unknown): boolean {
  const code = codeOf(error);
  return statusOf(error) === 404 || code === "NotFound" || code === "NoSuchKey";
}

function where(site: StorageCallSite, bucket: string): string {
  return site.key === undefined ? `s3://${bucket}` : `s3://${bucket}/${site.key}`;
}

/**
 * Turns any failure of an S3 call into a typed error; errors of this SDK pass through unchanged.
 *
 * - the server refused the credentials (`InvalidAccessKeyId`, `SignatureDoesNotMatch`) →
 *   {@link AuthenticationError};
 * - the server answered with another error → {@link StorageError} with its code and status;
 * - no answer: the connection timed out while idle → {@link TimeoutError}, anything else
 *   (refused, reset, DNS, connect timeout) → {@link ConnectionError}.
 *
 * The original error is kept as `cause`.
 *
 * @example
 * ```ts
 * import { toStorageError } from "./errors.ts";
 * const context = { bucket: "b", endpoint: "http://s3", timeoutMs: 1000, secrets: ["SK"] };
 * const sdkError = Object.assign(new Error("no such key"), {
 *   name: "NoSuchKey",
 *   $metadata: { httpStatusCode: 404 },
 * });
 * const error = toStorageError(sdkError, context, { operation: "GetObject", key: "a" });
 * console.assert(error.message.includes("NoSuchKey"));
 * ```
 */
export function toStorageError(
  error: unknown,
  context: Pick<StorageContext, "bucket" | "endpoint" | "timeoutMs" | "secrets">,
  site: StorageCallSite,
): AipModelError {
  if (error instanceof AipModelError) return error;
  error = withoutRequest(error);
  const bucket = site.bucket ?? context.bucket;
  const status = statusOf(error);
  const code = codeOf(error);
  const raw = shape(error).message;
  const said = redact(
    typeof raw === "string" && raw !== "" ? raw : String(error),
    context.secrets,
  );
  if (status !== undefined) {
    if (code !== undefined && AUTHENTICATION_CODES.has(code)) {
      return new AuthenticationError(
        "s3",
        `S3 at ${context.endpoint} refused the credentials (${code}) for ${site.operation} on ` +
          `${where(site, bucket)}: check the access key and secret key.`,
        { status, cause: error },
      );
    }
    const label = code === undefined ? `${status}` : `${status} ${code}`;
    const message = said === code || /^Unknown(Error)?$/.test(said) ? "" : said;
    const hint = code === undefined ? undefined : HINTS[code];
    const detail = [message, hint].filter((part) => part !== undefined && part !== "").join("; ");
    return new StorageError(
      `S3 ${site.operation} on ${where(site, bucket)} failed with ${label}` +
        (detail === "" ? "" : `: ${detail}`),
      {
        operation: site.operation,
        bucket,
        ...(site.key === undefined ? {} : { key: site.key }),
        ...(code === undefined ? {} : { code }),
        status,
        cause: error,
      },
    );
  }
  if (code === "TimeoutError" && /inactivity|timed out after/i.test(said)) {
    return new TimeoutError(
      "s3",
      `S3 at ${context.endpoint} sent or received nothing for ${context.timeoutMs} ms during ` +
        `${site.operation} on ${where(site, bucket)}.`,
      context.timeoutMs,
      { cause: error },
    );
  }
  return new ConnectionError(
    "s3",
    `Cannot reach S3 at ${context.endpoint} for ${site.operation} on ${where(site, bucket)}: ` +
      `${
        describeNetworkFailure(error, said)
      }. Check the endpoint URL and that the service is running.`,
    { cause: error },
  );
}

/**
 * The SDK's error keeps the raw HTTP response (a read-only property), whose body keeps the
 * request it answered, headers included: the `Authorization` header names the access key. Kept
 * as a `cause`, it would reach any logger that prints errors deeply. The cause kept is a copy
 * (same prototype, same properties) whose `$response` holds only the status and the headers.
 */
function withoutRequest(error: unknown): unknown {
  const response = (error as { $response?: { statusCode?: unknown; headers?: unknown } } | null)
    ?.$response;
  if (typeof error !== "object" || error === null || typeof response !== "object") return error;
  const copy = Object.create(Object.getPrototypeOf(error)) as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(error)) {
    if (key === "$response") continue;
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(error, key)!);
  }
  copy.$response = { statusCode: response?.statusCode, headers: response?.headers };
  return copy;
}

function describeNetworkFailure(error: unknown, said: string): string {
  const code = shape(error).code;
  const short = said.replace(/^@smithy\/node-http-handler - /, "");
  return typeof code === "string" && !short.includes(code) ? `${code} ${short}` : short;
}

/**
 * Whether a failure may go away when the same call is made again: no answer at all, or an HTTP
 * status the retry policy retries for idempotent calls (408, 429, 500, 502, 503, 504).
 */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  if (error instanceof StorageError) {
    return error.status !== undefined && isRetryableStatus(error.status, true);
  }
  return false;
}

/** Wraps a failure of the local file system (reading a source, writing a destination). */
export function localFileError(action: string, path: string, error: unknown): AipModelError {
  if (error instanceof AipModelError) return error;
  const code = shape(error).code;
  const reason = typeof code === "string" ? code : String(shape(error).message ?? error);
  return new AipModelError(`Cannot ${action} ${path}: ${reason}`, { cause: error });
}

/** A body that ended early or ran long: a broken transfer, retried like a network failure. */
export function brokenBody(
  context: StorageContext,
  key: string,
  got: number,
  expected: number,
): ConnectionError {
  return new ConnectionError(
    "s3",
    `S3 at ${context.endpoint} sent ${got} bytes instead of ${expected} for ` +
      `s3://${context.bucket}/${key}; the transfer broke off.`,
  );
}

/**
 * Bytes whose SHA-256 is not the one the manifest lists: a damaged or replaced object. `outcome`
 * says what became of the download.
 */
export function sha256Mismatch(
  context: StorageContext,
  key: string,
  expected: string,
  actual: string,
  outcome: string,
): IntegrityError {
  return new IntegrityError(
    `The SHA-256 of s3://${context.bucket}/${key} is ${actual}, not the ${expected} its ` +
      `manifest lists: the object was damaged or replaced. ${outcome}`,
    { subject: key, expected, actual },
  );
}
