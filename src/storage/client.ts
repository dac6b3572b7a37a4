/**
 * The S3 client, configured for Ceph's radosgw: path-style addressing, checksums only where S3
 * requires them (radosgw 16 refuses the `aws-chunked` bodies the SDK sends by default), explicit
 * credentials (never the environment or `~/.aws`), timeouts, a silent logger (the library never
 * prints), and the SDK's retries driven by the SDK-wide policy of `src/http/retry.ts`.
 *
 * @module
 */

import type { S3Client } from "@aws-sdk/client-s3";
import { ValidationError } from "../errors.ts";
import { describeUrl } from "../http/fetch.ts";
import {
  type ResolvedRetryOptions,
  resolveRetryOptions,
  retryDelay,
  type RetryOptions,
  sleep,
} from "../http/retry.ts";
import { DirectTransport } from "./direct.ts";
import { checkInteger } from "./options.ts";

/** How to reach an S3 endpoint. */
export interface S3ConnectionOptions {
  /** The endpoint URL, e.g. `http://127.0.0.1:7480`. */
  endpoint: string;
  /** The access key id. */
  accessKey: string;
  /** The secret key. It is never put in an error or a log. */
  secretKey: string;
  /**
   * The region used to sign requests; radosgw accepts any.
   * @default "us-east-1"
   */
  region?: string;
  /**
   * How long a connection may take to open, in milliseconds.
   * @default 10000
   */
  connectTimeoutMs?: number;
  /**
   * How long a request may go without any byte sent or received, in milliseconds.
   * @default 120000
   */
  timeoutMs?: number;
  /** The retry policy; see `src/http/retry.ts`. */
  retry?: RetryOptions;
  /**
   * The most connections open to the endpoint at once.
   * @default 50
   */
  maxSockets?: number;
}

/** The AWS SDK's S3 module. */
export type S3Module = typeof import("@aws-sdk/client-s3");

/** The AWS SDK's configured client and its module (for the commands). */
export interface S3Sdk {
  /** The configured client. */
  client: S3Client;
  /** The module, for its command classes. */
  s3: S3Module;
}

/** What every S3 operation of this folder needs: a client and where it points. */
export interface StorageContext {
  /**
   * The AWS SDK, loaded and its client created on first use: loading it costs a command-line
   * process about a quarter of a second of CPU, which a download (GETs and listings only, all on
   * the data path) never needs.
   */
  sdk(): Promise<S3Sdk>;
  /** Destroys the client, when one was created, and closes the data path's connections. */
  close(): void;
  /** The data path: GetObject, PutObject and UploadPart (see `direct.ts`). */
  direct: DirectTransport;
  /** The bucket operated on. */
  bucket: string;
  /** The endpoint as errors may show it (no credentials, no query). */
  endpoint: string;
  /** The inactivity timeout, for error messages. */
  timeoutMs: number;
  /** The retry policy, also applied to the parts the SDK cannot retry (streamed bodies). */
  retry: ResolvedRetryOptions;
  /** Strings that must never appear in an error message (the secret key). */
  secrets: readonly string[];
}

/** The SDK's retry token, as its retry middleware uses it. */
interface PolicyRetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** What the SDK's retry middleware tells a strategy about a failure. */
interface RetryErrorInfoLike {
  errorType: string;
  retryAfterHint?: Date;
}

/**
 * The SDK's retry strategy shaped by the SDK-wide policy: the same count and delays as the HTTP
 * clients. The SDK classes network errors, 408, 429 and 500/502/503/504 as TRANSIENT or
 * THROTTLING; everything else fails at once. After an abort the SDK's next attempt fails
 * without being sent, so an aborted call ends at most one retry delay later (the wait is a plain
 * timer: a program whose only work is that call must not exit in the middle of it). An
 * AsyncLocalStorage carrying the signal here, to cut that wait short, would switch on Node's
 * promise hooks for the whole process: a tax on every promise of every transfer.
 */
class PolicyRetryStrategy {
  constructor(private readonly policy: ResolvedRetryOptions) {}

  acquireInitialRetryToken(): Promise<PolicyRetryToken> {
    return Promise.resolve(token(0, 0));
  }

  async refreshRetryTokenForRetry(
    previous: PolicyRetryToken,
    info: RetryErrorInfoLike,
  ): Promise<PolicyRetryToken> {
    const count = previous.getRetryCount();
    const retryable = info.errorType === "TRANSIENT" || info.errorType === "THROTTLING";
    if (!retryable || count >= this.policy.retries) throw new Error("no retry left");
    const hint = info.retryAfterHint;
    const delay = hint instanceof Date
      ? Math.min(Math.max(0, hint.getTime() - Date.now()), this.policy.maxDelayMs)
      : retryDelay(count, this.policy);
    await sleep(delay);
    return token(count + 1, 0);
  }

  recordSuccess(): void {}
}

function token(count: number, delay: number): PolicyRetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay };
}

const silent = {
  trace(): void {},
  debug(): void {},
  info(): void {},
  warn(): void {},
  error(): void {},
};

/**
 * Creates the S3 client and the context every operation of this folder takes.
 *
 * @example
 * ```ts
 * import { createStorageContext } from "./client.ts";
 * const context = createStorageContext(
 *   { endpoint: "http://127.0.0.1:7480", accessKey: "AK", secretKey: "SK" },
 *   "models",
 * );
 * console.assert(context.bucket === "models");
 * context.close();
 * ```
 */
export function createStorageContext(
  options: S3ConnectionOptions,
  bucket: string,
): StorageContext {
  if (!/^https?:\/\/[^/]/i.test(options.endpoint) || !URL.canParse(options.endpoint)) {
    throw new ValidationError("endpoint", "an http:// or https:// URL such as http://host:7480");
  }
  if (bucket.length < 3) {
    throw new ValidationError("bucket", `a bucket name of 3 characters or more, got "${bucket}"`);
  }
  if (options.accessKey === "" || options.secretKey === "") {
    throw new ValidationError("credentials", "a non-empty S3 access key and secret key");
  }
  const retry = resolveRetryOptions(options.retry);
  const timeoutMs = checkInteger("timeoutMs", options.timeoutMs ?? 120_000, 1);
  const connectTimeoutMs = checkInteger("connectTimeoutMs", options.connectTimeoutMs ?? 10_000, 1);
  const maxSockets = checkInteger("maxSockets", options.maxSockets ?? 50, 1);
  const region = options.region ?? "us-east-1";
  const config = {
    endpoint: options.endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKey, secretAccessKey: options.secretKey },
    requestChecksumCalculation: "WHEN_REQUIRED" as const,
    responseChecksumValidation: "WHEN_REQUIRED" as const,
    maxAttempts: retry.retries + 1,
    retryStrategy: new PolicyRetryStrategy(retry),
    logger: silent,
    requestHandler: {
      connectionTimeout: connectTimeoutMs,
      socketTimeout: timeoutMs,
      httpAgent: { keepAlive: true, maxSockets },
      httpsAgent: { keepAlive: true, maxSockets },
      logger: silent,
    },
  };
  let loading: Promise<S3Sdk> | undefined;
  let client: S3Client | undefined;
  let closed = false;
  const sdk = (): Promise<S3Sdk> =>
    loading ??= import("@aws-sdk/client-s3").then((s3) => {
      client = new s3.S3Client(config);
      if (closed) client.destroy();
      return { client, s3 };
    }, (error: unknown) => {
      loading = undefined;
      throw error;
    });
  const direct = new DirectTransport({
    endpoint: options.endpoint,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region,
    connectTimeoutMs,
    timeoutMs,
    maxSockets,
  });
  return {
    sdk,
    close: () => {
      closed = true;
      client?.destroy();
      direct.destroy();
    },
    direct,
    bucket,
    endpoint: describeUrl(options.endpoint),
    timeoutMs,
    retry,
    secrets: [options.secretKey],
  };
}
