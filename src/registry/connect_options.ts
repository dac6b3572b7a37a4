/**
 * The options of `MLOpsManager.connect`, their environment fallbacks, and the choice between the
 * three ways of connecting: a user token (the platform gives the keys), direct keys, or a local
 * folder. Everything here is checked before any request is sent.
 *
 * @module
 */

import process from "node:process";
import { ValidationError } from "../errors.ts";
import type { FetchLike } from "../http/fetch.ts";
import type { RetryOptions } from "../http/retry.ts";
import type { Logger } from "../logger.ts";
import type { PlatformCredentials } from "../platform/backend.ts";
import type { TransferTuning } from "../storage/limiter.ts";

/**
 * How to reach a registry. Each platform option falls back to the environment variable in
 * brackets; an option given here always wins over the environment.
 *
 * - Token mode (the Python SDK 0.2.48+): `userToken`, `userManagementApi`, `clearmlApiHost`,
 *   `cephEndpointUrl`; the user-management API gives the ClearML and S3 keys and the bucket.
 * - Direct mode (the Python SDK 0.2.30–0.2.35): `clearmlApiHost`, `clearmlAccessKey`,
 *   `clearmlSecretKey`, `clearmlUsername`, `cephEndpointUrl`, `cephAccessKey`,
 *   `cephSecretKey`, `cephBucket`.
 * - Embedded: `localDir`, no servers.
 *
 * @example
 * ```ts
 * import type { ConnectOptions } from "./connect_options.ts";
 * const platform: ConnectOptions = { userToken: "token", verbose: true };
 * const local: ConnectOptions = { localDir: ".aipmodel" };
 * ```
 */
export interface ConnectOptions extends TransferTuning {
  /** The user's token [USER_TOKEN]. */
  userToken?: string | undefined;
  /** The user-management API [USER_MANAGEMENT_API]. */
  userManagementApi?: string | undefined;
  /** The ClearML API server [CLEARML_API_HOST]. */
  clearmlApiHost?: string | undefined;
  /** The S3 endpoint of Ceph [CEPH_ENDPOINT_URL]. */
  cephEndpointUrl?: string | undefined;
  /** Direct mode: the ClearML access key [CLEARML_ACCESS_KEY]. */
  clearmlAccessKey?: string | undefined;
  /** Direct mode: the ClearML secret key [CLEARML_SECRET_KEY]. */
  clearmlSecretKey?: string | undefined;
  /** Direct mode: the user name; the project is `project_{name}` [CLEARML_USERNAME]. */
  clearmlUsername?: string | undefined;
  /** Direct mode: the S3 access key [CEPH_ACCESS_KEY]. */
  cephAccessKey?: string | undefined;
  /** Direct mode: the S3 secret key [CEPH_SECRET_KEY]. */
  cephSecretKey?: string | undefined;
  /** Direct mode: the user's bucket [CEPH_BUCKET]. */
  cephBucket?: string | undefined;
  /** The embedded registry's folder; no servers (no environment fallback). */
  localDir?: string | undefined;
  /**
   * Log `[OK] ...` lines as the Python SDK does, through `logger`.
   * @default false
   */
  verbose?: boolean | undefined;
  /**
   * Where log lines go; nothing is ever logged that holds a key, secret or token.
   * @default console
   */
  logger?: Logger | undefined;
  /**
   * The fetch of every HTTP call but S3's and the Hugging Face Hub's.
   * @default globalThis.fetch; on Node, the SDK's own HTTP/1.1 client (Node's fetch costs 0.25 s
   *   and 44 MiB on its first call) unless globalThis.fetch was replaced. Pass
   *   `globalThis.fetch` to go through an undici dispatcher (a proxy).
   */
  fetch?: FetchLike | undefined;
  /** The retry policy of every service call (see `src/http/retry.ts`). */
  retry?: RetryOptions | undefined;
  /**
   * The time limit of one HTTP attempt to ClearML and the user-management API, in ms.
   * @default 30000
   */
  timeoutMs?: number | undefined;
  /** Stops the checks made while connecting. */
  signal?: AbortSignal | undefined;
  /**
   * Where the fallbacks are read.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** The platform settings, resolved; `kind` tells the two platform modes apart. */
export type ResolvedConnection =
  | { kind: "local"; localDir: string }
  | {
    kind: "token";
    userToken: string;
    userManagementApi: string;
    clearmlApiHost: string;
    cephEndpointUrl: string;
  }
  | ({ kind: "direct" } & PlatformCredentials);

type Setting = Exclude<
  keyof ConnectOptions,
  | "localDir"
  | "verbose"
  | "logger"
  | "fetch"
  | "retry"
  | "timeoutMs"
  | "signal"
  | "env"
  | keyof TransferTuning
>;

/** Each setting's environment variable. */
export const ENV_VARS: Readonly<Record<Setting, string>> = Object.freeze({
  userToken: "USER_TOKEN",
  userManagementApi: "USER_MANAGEMENT_API",
  clearmlApiHost: "CLEARML_API_HOST",
  cephEndpointUrl: "CEPH_ENDPOINT_URL",
  clearmlAccessKey: "CLEARML_ACCESS_KEY",
  clearmlSecretKey: "CLEARML_SECRET_KEY",
  clearmlUsername: "CLEARML_USERNAME",
  cephAccessKey: "CEPH_ACCESS_KEY",
  cephSecretKey: "CEPH_SECRET_KEY",
  cephBucket: "CEPH_BUCKET",
});

const TOKEN_ONLY: readonly Setting[] = ["userToken", "userManagementApi"];
const DIRECT_ONLY: readonly Setting[] = [
  "clearmlAccessKey",
  "clearmlSecretKey",
  "clearmlUsername",
  "cephAccessKey",
  "cephSecretKey",
  "cephBucket",
];
const SHARED: readonly Setting[] = ["clearmlApiHost", "cephEndpointUrl"];

/**
 * Chooses the mode and gathers its settings, options first, then the environment.
 *
 * The mode comes from what the caller passed: `localDir`, or `userToken`, or any direct key.
 * With none of them, `USER_TOKEN` in the environment means token mode, any direct variable
 * direct mode. Mixing modes in the options, or leaving a setting of the chosen mode unset, is a
 * `ValidationError` naming each missing option and its variable (never a value).
 *
 * @example
 * ```ts
 * import { resolveConnection } from "./connect_options.ts";
 * const resolved = resolveConnection({ localDir: ".aipmodel", env: {} });
 * console.assert(resolved.kind === "local");
 * ```
 */
export function resolveConnection(options: ConnectOptions): ResolvedConnection {
  const env = options.env ?? readProcessEnv();
  const given = (name: Setting): boolean => nonEmpty(options[name]) !== undefined;
  const fromEnv = (name: Setting): boolean => nonEmpty(env[ENV_VARS[name]]) !== undefined;
  const platformGiven = [...TOKEN_ONLY, ...DIRECT_ONLY, ...SHARED].filter(given);

  if (options.localDir !== undefined) {
    if (typeof options.localDir !== "string" || options.localDir.trim() === "") {
      throw new ValidationError("localDir", "a folder path (the embedded registry's folder)");
    }
    if (platformGiven.length > 0) {
      throw new ValidationError(
        "options",
        `either localDir (the embedded registry) or platform settings, not both; got localDir ` +
          `with ${platformGiven.join(", ")}`,
      );
    }
    return { kind: "local", localDir: options.localDir };
  }

  const tokenGiven = TOKEN_ONLY.filter(given);
  const directGiven = DIRECT_ONLY.filter(given);
  if (tokenGiven.length > 0 && directGiven.length > 0) {
    throw new ValidationError(
      "options",
      `either a user token (userToken, userManagementApi) or direct keys, not both; got ` +
        `${[...tokenGiven, ...directGiven].join(", ")}`,
    );
  }
  const kind = tokenGiven.length > 0
    ? "token"
    : directGiven.length > 0
    ? "direct"
    : fromEnv("userToken")
    ? "token"
    : DIRECT_ONLY.some(fromEnv)
    ? "direct"
    : undefined;
  if (kind === undefined) {
    throw new ValidationError(
      "options",
      "a registry to connect to: localDir for the embedded registry; userToken (USER_TOKEN) " +
        "with userManagementApi, clearmlApiHost and cephEndpointUrl for the platform; or the " +
        "direct keys (CLEARML_ACCESS_KEY, ... CEPH_BUCKET)",
    );
  }
  const value = (name: Setting): string | undefined =>
    nonEmpty(options[name]) ?? nonEmpty(env[ENV_VARS[name]]);
  const needed = kind === "token" ? [...TOKEN_ONLY, ...SHARED] : [...SHARED, ...DIRECT_ONLY];
  const missing = needed.filter((name) => value(name) === undefined);
  if (missing.length > 0) {
    const what = missing.map((name) => `${name} (or the ${ENV_VARS[name]} variable)`);
    throw new ValidationError(
      missing.join(", "),
      `${kind === "token" ? "token" : "direct-credentials"} mode needs ${what.join(", ")}`,
    );
  }
  const get = (name: Setting): string => value(name) as string;
  if (kind === "token") {
    return {
      kind,
      userToken: get("userToken"),
      userManagementApi: get("userManagementApi"),
      clearmlApiHost: get("clearmlApiHost"),
      cephEndpointUrl: get("cephEndpointUrl"),
    };
  }
  return {
    kind,
    clearmlApiHost: get("clearmlApiHost"),
    clearmlAccessKey: get("clearmlAccessKey"),
    clearmlSecretKey: get("clearmlSecretKey"),
    username: checkUsername(get("clearmlUsername"), "clearmlUsername (CLEARML_USERNAME)"),
    cephEndpointUrl: get("cephEndpointUrl"),
    cephAccessKey: get("cephAccessKey"),
    cephSecretKey: get("cephSecretKey"),
    cephBucket: get("cephBucket"),
  };
}

/**
 * Checks a user name before it becomes part of `project_{username}`: a `/` would make the
 * project a sub-project of another.
 *
 * @example
 * ```ts
 * import { checkUsername } from "./connect_options.ts";
 * console.assert(checkUsername(" alice ", "clearmlUsername") === "alice");
 * ```
 */
export function checkUsername(username: string, field: string): string {
  const trimmed = username.trim();
  const control = [...trimmed].some((char) => char.charCodeAt(0) < 0x20);
  if (trimmed === "" || control || /[/\\]/.test(trimmed)) {
    throw new ValidationError(field, "a user name without '/', '\\' or control characters");
  }
  return trimmed;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** The process environment, or nothing where reading it is not allowed (Deno without --allow-env). */
function readProcessEnv(): Readonly<Record<string, string | undefined>> {
  const names = Object.values(ENV_VARS);
  const env: Record<string, string | undefined> = {};
  for (const name of names) {
    try {
      env[name] = process.env[name];
    } catch {
      env[name] = undefined;
    }
  }
  return env;
}
