/**
 * Helpers of the fault, hostile-input, gc, secrets and load tests: direct-keys connect options
 * on the local stack (optionally through fault proxies), error cause chains, and scans of a
 * destination folder for partial files. Not a test.
 */

import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ConnectOptions } from "../src/registry/connect_options.ts";
import { stackValue } from "./_stack.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
export const SLOW = { timeout: 120_000 };

/** A name no other run uses. */
export function uniqueName(label: string): string {
  return `${label}_${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/** A random 32-hex id (a model id nobody has). */
export function randomId(): string {
  return randomBytes(16).toString("hex");
}

/**
 * Direct-keys options on the local stack for `username` (a project of its own), with short
 * retries; `clearml` and `s3` replace the services' URLs (a fault proxy's).
 */
export function directConnect(
  username: string,
  overrides: Partial<ConnectOptions> & { clearml?: string; s3?: string } = {},
): ConnectOptions {
  const { clearml, s3, ...rest } = overrides;
  return {
    clearmlApiHost: clearml ?? stackValue("CLEARML_API_HOST"),
    clearmlAccessKey: stackValue("CLEARML_ACCESS_KEY"),
    clearmlSecretKey: stackValue("CLEARML_SECRET_KEY"),
    clearmlUsername: username,
    cephEndpointUrl: s3 ?? stackValue("CEPH_ENDPOINT_URL"),
    cephAccessKey: stackValue("CEPH_ACCESS_KEY"),
    cephSecretKey: stackValue("CEPH_SECRET_KEY"),
    cephBucket: stackValue("CEPH_BUCKET"),
    retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 200 },
    env: {},
    logger: { info: () => {}, warn: () => {} },
    ...rest,
  };
}

/** Token mode on the local stack, with short retries. */
export function tokenConnect(overrides: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    userToken: stackValue("USER_TOKEN"),
    userManagementApi: stackValue("USER_MANAGEMENT_API"),
    clearmlApiHost: stackValue("CLEARML_API_HOST"),
    cephEndpointUrl: stackValue("CEPH_ENDPOINT_URL"),
    retry: { retries: 1, baseDelayMs: 20 },
    env: {},
    ...overrides,
  };
}

/** The error and its `cause`s, outermost first. */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = error;
  while (current !== undefined && current !== null && !chain.includes(current)) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** The first error of the chain that is a `type`, if any. */
export function findCause<T>(
  error: unknown,
  type: abstract new (...args: never[]) => T,
): T | undefined {
  return causeChain(error).find((item): item is T => item instanceof type);
}

/** The rejection of `promise`; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** Every file under `dir` (relative paths, sorted); an absent folder has none. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) await walk(join(folder, entry.name), `${prefix}${entry.name}/`);
      else out.push(`${prefix}${entry.name}`);
    }
  };
  await walk(dir, "");
  return out.sort();
}
