/**
 * The platform backend: ClearML for metadata and the user's Ceph bucket for objects, opened
 * with every check a caller needs before the first operation: ClearML answers and accepts the
 * keys, S3 answers and the bucket is readable with the keys (never created: the Python SDK's
 * CreateBucket on a bucket it does not own made stray buckets), and the user's project exists.
 *
 * @module
 */

import { ClearMLClient } from "../clearml/client.ts";
import { ModelsAPI } from "../clearml/models.ts";
import { ProjectsAPI } from "../clearml/projects.ts";
import { StorageError } from "../errors.ts";
import type { FetchLike } from "../http/fetch.ts";
import type { RetryOptions } from "../http/retry.ts";
import type { Logger } from "../logger.ts";
import type { RegistryBackend } from "../registry/backend.ts";
import { S3Storage } from "../storage/storage.ts";
import type { LockTimingOptions } from "./lock.ts";
import { ClearMLMetadataStore } from "./metadata_store.ts";
import { S3ObjectStore } from "./object_store.ts";

/** Where the platform is and who the user is: everything a platform registry needs to connect. */
export interface PlatformCredentials {
  /** The ClearML API server. */
  clearmlApiHost: string;
  /** The ClearML access key. */
  clearmlAccessKey: string;
  /** The ClearML secret key. */
  clearmlSecretKey: string;
  /** The user name; the project is `project_{username}`. */
  username: string;
  /** The S3 endpoint (Ceph radosgw). */
  cephEndpointUrl: string;
  /** The S3 access key. */
  cephAccessKey: string;
  /** The S3 secret key. */
  cephSecretKey: string;
  /** The user's bucket. */
  cephBucket: string;
}

/**
 * Everything {@link openPlatformBackend} needs: resolved credentials, whichever way they came
 * (a user token or direct keys). They are secrets: do not log this object.
 *
 * @example
 * ```ts
 * import type { PlatformBackendOptions } from "./backend.ts";
 * const options: PlatformBackendOptions = {
 *   clearmlApiHost: "http://127.0.0.1:8008",
 *   clearmlAccessKey: "ACCESS",
 *   clearmlSecretKey: "secret",
 *   username: "alice",
 *   cephEndpointUrl: "http://127.0.0.1:7480",
 *   cephAccessKey: "AK",
 *   cephSecretKey: "SK",
 *   cephBucket: "alice-models",
 * };
 * ```
 */
export interface PlatformBackendOptions extends PlatformCredentials {
  /**
   * The fetch of every ClearML call (S3 has its own HTTP client).
   * @default globalThis.fetch; on Node, the SDK's own HTTP/1.1 client (Node's fetch costs 0.25 s
   *   and 44 MiB on its first call) unless globalThis.fetch was replaced. Pass
   *   `globalThis.fetch` to go through an undici dispatcher (a proxy).
   */
  fetch?: FetchLike | undefined;
  /** Debug lines of the ClearML client; `[OK]` lines when `verbose`. */
  logger?: Logger | undefined;
  /**
   * Log an `[OK]` line per check passed, as the Python SDK does.
   * @default false
   */
  verbose?: boolean | undefined;
  /** The retry policy of ClearML and S3 calls. */
  retry?: RetryOptions | undefined;
  /** The time limit of one HTTP attempt, in milliseconds. */
  timeoutMs?: number | undefined;
  /** How lock waits back off. */
  lockTiming?: LockTimingOptions | undefined;
  /** Stops the checks. */
  signal?: AbortSignal | undefined;
}

/**
 * The opened platform: the registry's two stores plus the ClearML wrappers the manager exposes
 * as `manager.projects` and `manager.models`.
 *
 * @example
 * ```ts ignore
 * import { openPlatformBackend } from "./backend.ts";
 * const backend = await openPlatformBackend(options);
 * try {
 *   for await (const model of backend.metadata.list()) console.log(model.name);
 * } finally {
 *   await backend.close();
 * }
 * ```
 */
export class PlatformBackend implements RegistryBackend {
  /** The models of `project_{username}`. */
  readonly metadata: ClearMLMetadataStore;
  /** The user's bucket. */
  readonly objects: S3ObjectStore;
  /** The ClearML client every call goes through. */
  readonly client: ClearMLClient;
  /** The `projects.*` wrapper. */
  readonly projects: ProjectsAPI;
  /** The `models.*` wrapper. */
  readonly models: ModelsAPI;
  /** The user name. */
  readonly username: string;
  readonly #storage: S3Storage;

  /** Assembles a backend from parts already checked; {@link openPlatformBackend} is the usual way. */
  constructor(parts: {
    client: ClearMLClient;
    storage: S3Storage;
    username: string;
    projectId: string;
    lockTiming?: LockTimingOptions | undefined;
  }) {
    this.client = parts.client;
    this.projects = new ProjectsAPI(parts.client);
    this.models = new ModelsAPI(parts.client);
    this.username = parts.username;
    this.#storage = parts.storage;
    this.metadata = new ClearMLMetadataStore(parts.client, {
      projectId: parts.projectId,
      projectName: projectNameOf(parts.username),
      lockTiming: parts.lockTiming,
    });
    this.objects = new S3ObjectStore(parts.storage);
  }

  /** Closes the S3 connections (ClearML calls hold none between calls). */
  close(): Promise<void> {
    this.#storage.close();
    return Promise.resolve();
  }
}

/**
 * The ClearML project of a user, as the Python SDK names it.
 *
 * @example
 * ```ts
 * import { projectNameOf } from "./backend.ts";
 * console.assert(projectNameOf("alice") === "project_alice");
 * ```
 */
export function projectNameOf(username: string): string {
  return `project_${username}`;
}

/**
 * Checks ClearML and S3 and finds or creates `project_{username}`, then returns the backend.
 *
 * Throws `AuthenticationError` (service `clearml` or `s3`) for refused keys, `ConnectionError`
 * or `TimeoutError` for a service that does not answer, and `StorageError` (with the bucket) for
 * a bucket that does not exist or cannot be listed with these keys. Two processes opening it
 * at once for a new user end with one project.
 */
export async function openPlatformBackend(
  options: PlatformBackendOptions,
): Promise<PlatformBackend> {
  const { signal, logger } = options;
  const ok = (line: string): void => {
    if (options.verbose) logger?.info?.(`[OK] ${line}`);
  };
  const client = new ClearMLClient({
    apiHost: options.clearmlApiHost,
    accessKey: options.clearmlAccessKey,
    secretKey: options.clearmlSecretKey,
    fetch: options.fetch,
    logger,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
  });
  const storage = new S3Storage({
    endpoint: options.cephEndpointUrl,
    accessKey: options.cephAccessKey,
    secretKey: options.cephSecretKey,
    bucket: options.cephBucket,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  });
  try {
    // The two services are checked at once; a refused ClearML login is reported first.
    const bucketChecked = checkBucket(storage, signal);
    bucketChecked.catch(() => {});
    await client.login({ signal });
    ok(`ClearML at ${client.apiHost} accepted the keys`);
    await bucketChecked;
    ok(`S3 bucket ${storage.bucket} at ${storage.endpoint} is reachable`);
    const projectName = projectNameOf(options.username);
    const projectId = await new ProjectsAPI(client).getOrCreate({ name: projectName, signal });
    ok(`ClearML project ${projectName} (${projectId})`);
    return new PlatformBackend({
      client,
      storage,
      username: options.username,
      projectId,
      lockTiming: options.lockTiming,
    });
  } catch (error) {
    storage.close();
    throw error;
  }
}

/**
 * Lists at most one key of the bucket: the least a registry needs (reading its own keys), so it
 * works for keys scoped to the bucket by a policy, where HeadBucket or ListBuckets may be denied.
 */
async function checkBucket(storage: S3Storage, signal: AbortSignal | undefined): Promise<void> {
  const where = `S3 bucket ${storage.bucket} at ${storage.endpoint}`;
  try {
    const listing = storage.list("", { pageSize: 1, ...(signal ? { signal } : {}) });
    await listing.next();
    await listing.return(undefined);
  } catch (error) {
    // Refused keys and an unreachable endpoint already say what to fix.
    if (!(error instanceof StorageError)) throw error;
    const fix = error.code === "NoSuchBucket"
      ? "does not exist. Check cephBucket (CEPH_BUCKET) or ask the platform team to create it; " +
        "the SDK never creates buckets"
      : `cannot be listed with these keys (${error.code ?? `HTTP ${error.status}`}). Check ` +
        "cephBucket (CEPH_BUCKET) and that the keys may read it";
    throw new StorageError(`${where} ${fix}.`, {
      operation: error.operation,
      bucket: storage.bucket,
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.status === undefined ? {} : { status: error.status }),
      cause: error,
    });
  }
}
