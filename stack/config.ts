/**
 * The fixed facts of the local platform stack: where it keeps its state, which ports it binds
 * (each overridable by an environment variable) and the test identities it creates. Every value
 * here is a test fixture for a stack bound to 127.0.0.1; none of it is a real secret.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The repository root (the folder holding `stack/`). */
export const REPO_DIR: string = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

/** The stack's state folder: pid files, logs, `env`, the Ceph cluster. Ignored by git. */
export const STACK_DIR: string = `${REPO_DIR}/.stack`;

/** Where the processes' stdout and stderr go. */
export const LOG_DIR: string = `${STACK_DIR}/logs`;

/** The Ceph daemons' own logs (kept after `down`, wiped by `up`). */
export const CEPH_LOG_DIR: string = `${LOG_DIR}/ceph`;

/** The throwaway Ceph cluster folder (its data), wiped by `up` and `down`. */
export const CEPH_DIR: string = `${STACK_DIR}/ceph`;

/** The `KEY=value` file that tests, examples and benchmarks read. */
export const ENV_FILE: string = `${STACK_DIR}/env`;

/** What `up` recorded about the running stack (ports, object store), read by `down`/`status`. */
export const STATE_FILE: string = `${STACK_DIR}/state.json`;

/** The stack's long-running processes, in the order `down` stops them. */
export const COMPONENTS = ["services", "rgw", "osd", "mon"] as const;

/** One of {@link COMPONENTS}. */
export type Component = typeof COMPONENTS[number];

/** The pid file of a component: `.stack/<component>.pid`. */
export function pidFilePath(component: Component): string {
  return `${STACK_DIR}/${component}.pid`;
}

/** The stdout/stderr log of a component: `.stack/logs/<component>.log`. */
export function logFilePath(component: Component): string {
  return `${LOG_DIR}/${component}.log`;
}

/** The address every part of the stack binds. */
export const HOST = "127.0.0.1";

/** The stack's ports. */
export interface StackPorts {
  /** radosgw's S3 endpoint (beast frontend). */
  rgw: number;
  /** The Ceph monitor's msgr2 port; its legacy v1 port is `mon + 1`. */
  mon: number;
  /** The ClearML-compatible API server. */
  clearml: number;
  /** The user-management API. */
  usermgmt: number;
  /** The Hugging Face Hub stand-in. */
  hf: number;
}

/** The default ports, chosen away from the usual ones of a real Ceph (3300, 6789, 6800+). */
export const DEFAULT_PORTS: Readonly<StackPorts> = Object.freeze({
  rgw: 7480,
  mon: 16789,
  clearml: 8008,
  usermgmt: 8090,
  hf: 8095,
});

/** The environment variable that overrides each port. */
export const PORT_ENV_VARS: Readonly<Record<keyof StackPorts, string>> = Object.freeze({
  rgw: "STACK_RGW_PORT",
  mon: "STACK_MON_PORT",
  clearml: "STACK_CLEARML_PORT",
  usermgmt: "STACK_USERMGMT_PORT",
  hf: "STACK_HF_PORT",
});

/**
 * The ports to use: {@link DEFAULT_PORTS}, each replaced by its variable in
 * {@link PORT_ENV_VARS} when set. Throws naming the variable when a value is not a port.
 */
export function resolvePorts(env: Record<string, string | undefined> = readEnv()): StackPorts {
  const ports = { ...DEFAULT_PORTS };
  for (const key of Object.keys(PORT_ENV_VARS) as (keyof StackPorts)[]) {
    const name = PORT_ENV_VARS[key];
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65534) {
      throw new Error(`${name}=${raw} is not a usable port: expected an integer from 1 to 65534.`);
    }
    ports[key] = port;
  }
  return ports;
}

function readEnv(): Record<string, string | undefined> {
  return (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ??
    {};
}

/** An S3 account on radosgw: its radosgw uid, fixed keys and the bucket `up` creates for it. */
export interface S3Account {
  /** The radosgw user id. */
  uid: string;
  /** The display name given to `radosgw-admin user create`. */
  displayName: string;
  /** The S3 access key. */
  accessKey: string;
  /** The S3 secret key. */
  secretKey: string;
  /** The account's bucket. */
  bucket: string;
}

/** The platform user's S3 account: the bucket the SDK stores models in. */
export const PLATFORM_S3: Readonly<S3Account> = Object.freeze({
  uid: "testuser",
  displayName: "aipmodel test user",
  accessKey: "AIPMODELTESTUSER0001",
  secretKey: "testuser-secret-key-0123456789abcdefghij",
  bucket: "testuser-models",
});

/** A second, unrelated S3 account: the "external bucket" of `sourceType: "s3"` tests. */
export const EXTERNAL_S3: Readonly<S3Account> = Object.freeze({
  uid: "external",
  displayName: "aipmodel external account",
  accessKey: "AIPMODELEXTERNAL0001",
  secretKey: "external-secret-key-0123456789abcdefghij",
  bucket: "external-models",
});

/** The platform user as the ClearML-compatible server knows it. */
export const CLEARML_USER: Readonly<{
  userId: string;
  userName: string;
  companyId: string;
  accessKey: string;
  secretKey: string;
}> = Object.freeze({
  userId: "5d1bd92a3b03400cbafc60a7a5b1e52b",
  userName: "testuser",
  companyId: "d1bd92a3b039400cbafc60a7a5b1e52b",
  // 30 characters of [A-Z0-9], as ClearML's own access keys.
  accessKey: "AIPMODELTESTCLEARMLKEY00000001",
  // URL-safe, as ClearML's own secret keys.
  secretKey: "testuser-clearml-secret_0123456789-abcdefghijklmnopqrstuv",
});

/** The secret the ClearML-compatible server signs its tokens with (fixed: tokens survive restarts). */
export const CLEARML_TOKEN_SECRET = "aipmodel-local-stack-token-secret";

/** The platform user's token for the user-management API (`USER_TOKEN`). */
export const USER_TOKEN = "aipmodel-test-user-token-testuser-7f3c9a2e41d8";

/** The platform user's name, as the user-management API returns it. */
export const USERNAME = "testuser";

/** The public repo the Hugging Face Hub stand-in serves (`HF_REPO`). */
export const HF_PUBLIC_REPO = "aipmodel-test/tiny-model";

/** The private repo of the stand-in: refused without {@link HF_TOKEN} (`HF_PRIVATE_REPO`). */
export const HF_PRIVATE_REPO = "aipmodel-test/private-model";

/**
 * The gated repo of the stand-in (`HF_GATED_REPO`): anyone lists it, only {@link HF_TOKEN}
 * downloads from it.
 */
export const HF_GATED_REPO = "aipmodel-test/gated-model";

/**
 * The token the stand-in grants everything (`HF_TOKEN`): the private and the gated repo.
 * `@huggingface/hub` wants the `hf_` prefix.
 */
export const HF_TOKEN = "hf_aipmodelLocalStackTestToken0001";

/**
 * A valid token of another user (`HF_TOKEN_NO_ACCESS`): public repos only; the gated repo's
 * files answer 403, the private repo 404.
 */
export const HF_TOKEN_NO_ACCESS = "hf_aipmodelLocalStackOtherUser0002";

/**
 * The tree page size of the stack's stand-in: small, so that every listing pages through `Link`
 * (the real Hub pages by 1000).
 */
export const HF_PAGE_SIZE = 3;

/**
 * The values `up` writes to `.stack/env`, in order: the design's keys, then the ClearML keys of
 * the direct-credentials mode.
 */
export function stackEnvValues(ports: StackPorts): [string, string][] {
  const rgw = `http://${HOST}:${ports.rgw}`;
  return [
    ["USER_TOKEN", USER_TOKEN],
    ["CLEARML_API_HOST", `http://${HOST}:${ports.clearml}`],
    ["CEPH_ENDPOINT_URL", rgw],
    ["USER_MANAGEMENT_API", `http://${HOST}:${ports.usermgmt}`],
    ["HF_ENDPOINT", `http://${HOST}:${ports.hf}`],
    ["HF_TOKEN", HF_TOKEN],
    ["HF_REPO", HF_PUBLIC_REPO],
    ["HF_PRIVATE_REPO", HF_PRIVATE_REPO],
    ["HF_GATED_REPO", HF_GATED_REPO],
    ["HF_TOKEN_NO_ACCESS", HF_TOKEN_NO_ACCESS],
    ["EXT_S3_ENDPOINT_URL", rgw],
    ["EXT_S3_BUCKET", EXTERNAL_S3.bucket],
    ["EXT_S3_ACCESS_KEY", EXTERNAL_S3.accessKey],
    ["EXT_S3_SECRET_KEY", EXTERNAL_S3.secretKey],
    ["CEPH_BUCKET", PLATFORM_S3.bucket],
    ["CEPH_ACCESS_KEY", PLATFORM_S3.accessKey],
    ["CEPH_SECRET_KEY", PLATFORM_S3.secretKey],
    ["CLEARML_ACCESS_KEY", CLEARML_USER.accessKey],
    ["CLEARML_SECRET_KEY", CLEARML_USER.secretKey],
    ["CLEARML_USERNAME", CLEARML_USER.userName],
  ];
}
