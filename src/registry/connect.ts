/**
 * Connecting: the options are resolved (options first, then the environment), the services are
 * checked in the order a user fixes them (the user-management API and its token, ClearML and its
 * keys, S3 and the bucket), `project_{username}` is found or created, and the backend of the
 * chosen mode is opened.
 *
 * @module
 */

import type { ModelsAPI } from "../clearml/models.ts";
import type { ProjectsAPI } from "../clearml/projects.ts";
import { AipModelError, ServiceError, ValidationError } from "../errors.ts";
import { openLocalBackend } from "../local/backend.ts";
import type { Logger } from "../logger.ts";
import {
  openPlatformBackend,
  PlatformBackend,
  type PlatformBackendOptions,
} from "../platform/backend.ts";
import { fetchUserCredentials } from "../platform/credentials.ts";
import type { RegistryBackend } from "./backend.ts";
import {
  checkUsername,
  type ConnectOptions,
  resolveConnection,
  type ResolvedConnection,
} from "./connect_options.ts";
import { MLOpsManager } from "./manager.ts";

/**
 * A connected registry, before it is wrapped in a manager.
 *
 * @example
 * ```ts ignore
 * import { openRegistry } from "./connect.ts";
 * const registry = await openRegistry({ localDir: ".aipmodel" });
 * console.log(registry.mode, registry.backend.objects.bucket);
 * await registry.backend.close();
 * ```
 */
export interface OpenedRegistry {
  /** Which way it was reached. */
  mode: ResolvedConnection["kind"];
  /** Where metadata and objects live. */
  backend: RegistryBackend;
  /** Where log lines go (the given logger, else the console without debug lines). */
  logger: Logger;
  /** Whether `[OK]`/`[INFO]` lines are written. */
  verbose: boolean;
  /** The ClearML `projects.*` wrapper; platform modes only. */
  projects: ProjectsAPI | undefined;
  /** The ClearML `models.*` wrapper; platform modes only. */
  models: ModelsAPI | undefined;
  /** `project_{username}`'s user; platform modes only. */
  username: string | undefined;
}

/**
 * Resolves the options and opens the registry they name, with every check of the mode.
 *
 * Failures: a `ValidationError` for missing or mixed options (naming each option and its
 * environment variable); an `AuthenticationError` whose `service` is `user-management`,
 * `clearml` or `s3` for refused credentials; a `ConnectionError` or `TimeoutError` for a service
 * that does not answer; a `StorageError` (with the bucket) for a bucket that does not exist or
 * cannot be listed. No message holds a token or key.
 *
 * @example
 * ```ts ignore
 * import { openRegistry } from "./connect.ts";
 * const registry = await openRegistry({ userToken: "…", verbose: true });
 * ```
 */
export async function openRegistry(options: ConnectOptions = {}): Promise<OpenedRegistry> {
  const connection = resolveConnection(options);
  const verbose = options.verbose ?? false;
  const logger = options.logger ?? consoleLogger();
  if (connection.kind === "local") {
    const backend = await openLocalBackend(connection.localDir);
    if (verbose) logger.info?.(`[OK] Local registry in ${connection.localDir}`);
    return {
      mode: "local",
      backend,
      logger,
      verbose,
      projects: undefined,
      models: undefined,
      username: undefined,
    };
  }
  const common = {
    fetch: options.fetch,
    // Debug lines of the clients go only to a logger the caller chose.
    logger: options.logger,
    verbose,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  };
  const platformOptions: PlatformBackendOptions = connection.kind === "token"
    ? { ...common, ...await credentialsFromToken(connection, options, logger) }
    : { ...common, ...withoutKind(connection) };
  if (options.logger === undefined && verbose) platformOptions.logger = logger;
  const backend = await openPlatformBackend(platformOptions);
  return {
    mode: connection.kind,
    backend,
    logger,
    verbose,
    projects: backend.projects,
    models: backend.models,
    username: backend.username,
  };
}

async function credentialsFromToken(
  connection: Extract<ResolvedConnection, { kind: "token" }>,
  options: ConnectOptions,
  logger: Logger,
): Promise<Omit<PlatformBackendOptions, "verbose" | "logger" | "fetch" | "retry" | "signal">> {
  const credentials = await fetchUserCredentials({
    userManagementApi: connection.userManagementApi,
    userToken: connection.userToken,
    fetch: options.fetch,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  let username: string;
  try {
    username = checkUsername(credentials.username, "username");
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ServiceError(
      "user-management",
      "The user-management API gave a user name that cannot name a ClearML project " +
        `(${error.expected}). Ask the platform team to fix this user.`,
      { cause: error },
    );
  }
  if (options.verbose) {
    logger.info?.(`[OK] User-management API accepted the token of user ${username}`);
  }
  return {
    clearmlApiHost: connection.clearmlApiHost,
    clearmlAccessKey: credentials.clearmlAccessKey,
    clearmlSecretKey: credentials.clearmlSecretKey,
    username,
    cephEndpointUrl: connection.cephEndpointUrl,
    cephAccessKey: credentials.s3AccessKey,
    cephSecretKey: credentials.s3SecretKey,
    cephBucket: credentials.s3Bucket,
  };
}

/** The console without its debug level: the clients' per-call lines are opt-in. */
function consoleLogger(): Logger {
  const target = globalThis.console;
  return {
    info: (message) => target.info(message),
    warn: (message) => target.warn(message),
    error: (message) => target.error(message),
  };
}

/**
 * Opens the registry the options name (see {@link openRegistry}) and returns its manager; this
 * is what `MLOpsManager.connect` runs.
 *
 * @example
 * ```ts ignore
 * import { connect } from "./connect.ts";
 * const manager = await connect({ localDir: ".aipmodel" });
 * console.log(await manager.listModels());
 * ```
 */
export async function connect(options: ConnectOptions = {}): Promise<MLOpsManager> {
  const registry = await openRegistry(options);
  return new MLOpsManager({
    backend: registry.backend,
    logger: registry.logger,
    verbose: registry.verbose,
    tuning: {
      concurrency: options.concurrency,
      partSize: options.partSize,
      memoryBudget: options.memoryBudget,
    },
  });
}

/**
 * The ClearML wrappers of a platform backend, for `manager.projects` and `manager.models`; the
 * embedded registry has no ClearML, which is an error to ask for.
 *
 * @example
 * ```ts ignore
 * import { platformApis } from "./connect.ts";
 * const { projects } = platformApis(manager.backend);
 * console.log(await projects.getAll());
 * ```
 */
export function platformApis(
  backend: RegistryBackend,
): { projects: ProjectsAPI; models: ModelsAPI } {
  if (backend instanceof PlatformBackend) {
    return { projects: backend.projects, models: backend.models };
  }
  throw new AipModelError(
    "manager.projects and manager.models are the ClearML wrappers: they exist only on the " +
      "platform (connect with a user token or direct keys), not in the embedded registry.",
  );
}

function withoutKind<T extends { kind: string }>(value: T): Omit<T, "kind"> {
  const { kind: _kind, ...rest } = value;
  return rest;
}
