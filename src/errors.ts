/**
 * The typed errors of the SDK. Every error the SDK throws is an {@link AipModelError}; the
 * subclasses carry what a caller needs to react (the service, the HTTP status, the ClearML result
 * codes, the S3 bucket, key and code). Messages say what was wrong and what to do, and never
 * contain a secret: no key, token or password is ever put in a message or a property.
 *
 * @module
 */

/** The services the SDK talks to, as named in error messages. */
export type ServiceName = "clearml" | "s3" | "user-management" | "huggingface";

/** Options common to every SDK error. */
export interface AipModelErrorOptions {
  /** The underlying failure, kept for debugging. */
  cause?: unknown;
}

/**
 * The base class of every error thrown by the SDK.
 *
 * @example Telling SDK errors from others
 * ```ts
 * import { AipModelError, ValidationError } from "./errors.ts";
 * const error: unknown = new ValidationError("modelName", "must not be empty");
 * if (error instanceof AipModelError) console.assert(error.name === "ValidationError");
 * ```
 */
export class AipModelError extends Error {
  /** Creates an error with its message and, optionally, the failure that caused it. */
  constructor(message: string, options: AipModelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/**
 * A value given to the SDK is not acceptable. `field` names the option, `expected` says what
 * would be accepted.
 *
 * @example
 * ```ts
 * import { ValidationError } from "./errors.ts";
 * const error = new ValidationError("version", "must not start with '_'");
 * console.assert(error.message.startsWith("Invalid version"));
 * ```
 */
export class ValidationError extends AipModelError {
  /** The name of the option or argument that was wrong. */
  readonly field: string;
  /** What would have been accepted. */
  readonly expected: string;

  /** `field` names the wrong option; `expected` says what would be accepted. */
  constructor(field: string, expected: string, options: AipModelErrorOptions = {}) {
    super(`Invalid ${field}: ${expected}`, options);
    this.field = field;
    this.expected = expected;
  }
}

/**
 * An operation was stopped by its `signal`. `cause` is the signal's reason; everything the
 * operation had started was undone before this was thrown.
 *
 * @example
 * ```ts
 * import { OperationAbortedError } from "./errors.ts";
 * const error = new OperationAbortedError("addModel", { cause: new Error("user cancelled") });
 * console.assert(error.operation === "addModel");
 * ```
 */
export class OperationAbortedError extends AipModelError {
  /** The operation that was stopped, e.g. `addModel`. */
  readonly operation: string;

  /** `operation` names what was stopped; `options.cause` is the signal's reason. */
  constructor(operation: string, options: AipModelErrorOptions & { detail?: string } = {}) {
    super(`${operation} was aborted${options.detail ? `: ${options.detail}` : ""}`, options);
    this.operation = operation;
  }
}

/** Options of a {@link ServiceError}. */
export interface ServiceErrorOptions extends AipModelErrorOptions {
  /** The HTTP status the service answered with, when it answered. */
  status?: number;
}

/**
 * A service failed: it could not be reached, it refused the request, or it answered with
 * something the SDK cannot use. `service` names it; `status` is its HTTP status when it answered.
 */
export class ServiceError extends AipModelError {
  /** Which service failed. */
  readonly service: ServiceName;
  /** The HTTP status of the answer, absent when no answer came. */
  readonly status: number | undefined;

  /** `service` names the service that failed; `options.status` is its HTTP status. */
  constructor(service: ServiceName, message: string, options: ServiceErrorOptions = {}) {
    super(message, options);
    this.service = service;
    this.status = options.status;
  }
}

/**
 * A service could not be reached at all (connection refused, DNS failure, reset, timeout).
 * Check that its URL is right and that it is running.
 */
export class ConnectionError extends ServiceError {}

/**
 * A service rejected the credentials (a user token, ClearML keys, S3 keys, a Hugging Face token).
 * The credentials themselves are never part of the error.
 */
export class AuthenticationError extends ServiceError {}

/** An operation did not finish within its time limit. */
export class TimeoutError extends ServiceError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  /** `timeoutMs` is the limit that was exceeded. */
  constructor(
    service: ServiceName,
    message: string,
    timeoutMs: number,
    options: ServiceErrorOptions = {},
  ) {
    super(service, message, options);
    this.timeoutMs = timeoutMs;
  }
}

/** What a ClearML server said about a failed call (its `meta` block). */
export interface ClearMLErrorDetails {
  /** The endpoint called, e.g. `models.get_all`. */
  endpoint: string;
  /** The HTTP status of the answer. */
  status: number;
  /** `meta.result_code`; equals `status` on a real server. */
  resultCode: number;
  /** `meta.result_subcode`, e.g. 201 for an unknown model id. */
  resultSubcode: number;
  /** `meta.result_msg`, the server's own explanation. */
  resultMsg: string;
}

/**
 * A ClearML call failed with a ClearML result. The server's codes are kept as fields so that a
 * caller can react to, say, 400/201 (no such model) or 400/801 (duplicate project name).
 */
export class ClearMLError extends ServiceError {
  /** The endpoint called, e.g. `models.get_all`. */
  readonly endpoint: string;
  /** `meta.result_code`. */
  readonly resultCode: number;
  /** `meta.result_subcode`. */
  readonly resultSubcode: number;
  /** `meta.result_msg`. */
  readonly resultMsg: string;

  /** Builds the message from the server's codes and message. */
  constructor(details: ClearMLErrorDetails, options: AipModelErrorOptions = {}) {
    super(
      "clearml",
      `ClearML ${details.endpoint} failed with ${details.resultCode}/${details.resultSubcode}: ` +
        details.resultMsg,
      { ...options, status: details.status },
    );
    this.endpoint = details.endpoint;
    this.resultCode = details.resultCode;
    this.resultSubcode = details.resultSubcode;
    this.resultMsg = details.resultMsg;
  }
}

/** Where an S3 failure happened. */
export interface StorageErrorDetails extends ServiceErrorOptions {
  /** The S3 operation, e.g. `PutObject`. */
  operation: string;
  /** The bucket. */
  bucket: string;
  /** The object key or prefix, when the operation had one. */
  key?: string;
  /** The S3 error code, e.g. `NoSuchKey`, `AccessDenied`. */
  code?: string;
}

/**
 * An S3 operation failed. `bucket`, `key` and `code` say where and why.
 */
export class StorageError extends ServiceError {
  /** The S3 operation, e.g. `PutObject`. */
  readonly operation: string;
  /** The bucket. */
  readonly bucket: string;
  /** The object key or prefix, when the operation had one. */
  readonly key: string | undefined;
  /** The S3 error code, e.g. `NoSuchKey`, when S3 gave one. */
  readonly code: string | undefined;

  /** `details` says which operation, bucket and key failed, and the S3 code. */
  constructor(message: string, details: StorageErrorDetails) {
    super("s3", message, details);
    this.operation = details.operation;
    this.bucket = details.bucket;
    this.key = details.key;
    this.code = details.code;
  }
}

/**
 * Something asked for does not exist: a model, a version, an object. `kind` names what.
 */
export class NotFoundError extends AipModelError {
  /** What was looked for: "model", "version", "project", "object", ... */
  readonly kind: string;
  /** The name or id that was looked for. */
  readonly identifier: string;

  /** `kind` says what was looked for, `identifier` its name or id. */
  constructor(
    kind: string,
    identifier: string,
    message: string,
    options: AipModelErrorOptions = {},
  ) {
    super(message, options);
    this.kind = kind;
    this.identifier = identifier;
  }
}

/** What an {@link IntegrityError} found. */
export interface IntegrityErrorDetails extends AipModelErrorOptions {
  /** The file or object that failed the check: a path under the version, a key, or a file. */
  subject: string;
  /** What was expected (a SHA-256 in hex, or a size in bytes). */
  expected: string;
  /** What was found. */
  actual: string;
}

/**
 * Bytes differ from what the version's manifest (or the object's listed size) says: a corrupted
 * or replaced object, a damaged manifest, or a file missing from a version. The bad file is never
 * left at the destination.
 *
 * @example
 * ```ts
 * import { IntegrityError } from "./errors.ts";
 * const error = new IntegrityError("SHA-256 mismatch", {
 *   subject: "weights.bin",
 *   expected: "ab12",
 *   actual: "cd34",
 * });
 * console.assert(error.subject === "weights.bin");
 * ```
 */
export class IntegrityError extends AipModelError {
  /** The file or object that failed the check. */
  readonly subject: string;
  /** What was expected. */
  readonly expected: string;
  /** What was found. */
  readonly actual: string;

  /** `details` names the file and the expected and actual values. */
  constructor(message: string, details: IntegrityErrorDetails) {
    super(message, details);
    this.subject = details.subject;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}
