/**
 * Helpers of the platform backend's tests: direct credentials of the local stack's user, fresh
 * user names (so each run gets a new `project_{username}`), and clean-up of those projects.
 */

import { randomBytes } from "node:crypto";
import { ClearMLClient } from "../src/clearml/client.ts";
import { ProjectsAPI } from "../src/clearml/projects.ts";
import type { PlatformBackendOptions } from "../src/platform/backend.ts";
import { stackValue } from "./_stack.ts";

/** A user name no other run uses. */
export function freshUsername(label: string): string {
  return `t_${label}_${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/** The stack user's keys, with `username` as the ClearML user name. */
export function directOptions(username: string): PlatformBackendOptions {
  return {
    clearmlApiHost: stackValue("CLEARML_API_HOST"),
    clearmlAccessKey: stackValue("CLEARML_ACCESS_KEY"),
    clearmlSecretKey: stackValue("CLEARML_SECRET_KEY"),
    username,
    cephEndpointUrl: stackValue("CEPH_ENDPOINT_URL"),
    cephAccessKey: stackValue("CEPH_ACCESS_KEY"),
    cephSecretKey: stackValue("CEPH_SECRET_KEY"),
    cephBucket: stackValue("CEPH_BUCKET"),
    retry: { retries: 1, baseDelayMs: 20 },
    lockTiming: { minDelayMs: 10, maxDelayMs: 100 },
  };
}

/** A ClearML client with the stack user's keys. */
export function stackClient(): ClearMLClient {
  return new ClearMLClient({
    apiHost: stackValue("CLEARML_API_HOST"),
    accessKey: stackValue("CLEARML_ACCESS_KEY"),
    secretKey: stackValue("CLEARML_SECRET_KEY"),
  });
}

/** Deletes `project_{username}` with everything in it; failures are ignored. */
export async function dropProject(client: ClearMLClient, username: string): Promise<void> {
  const projects = new ProjectsAPI(client);
  try {
    const project = await projects.getByName(`project_${username}`);
    if (project !== null) await projects.delete(project.id, { force: true, deleteContents: true });
  } catch {
    // clean-up must not hide a test's own failure
  }
}

/** Whether `promise` is still pending after `ms` milliseconds. */
export async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol("pending");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = new Promise<symbol>((resolve) => {
    timer = setTimeout(() => resolve(marker), ms);
  });
  try {
    return (await Promise.race([promise.then(() => null, () => null), wait])) === marker;
  } finally {
    clearTimeout(timer);
  }
}
