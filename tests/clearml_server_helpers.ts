/**
 * Helpers for the ClearML-compatible server's tests: a server with two users in two companies,
 * a movable clock, and a `call()` that goes through the handler without a socket.
 */

import assert from "node:assert/strict";
import {
  type ClearMLServer,
  type ClearMLUser,
  createClearMLServer,
} from "../stack/clearml/server.ts";

/** The main test user. */
export const ALICE: ClearMLUser = {
  userId: "a11ce000000000000000000000000001",
  userName: "alice",
  companyId: "c0000000000000000000000000000001",
  accessKey: "ALICEKEY0000000000000000000001",
  secretKey: "alice-secret:with-colon_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU",
};

/** A user of another company. */
export const BOB: ClearMLUser = {
  userId: "b0b00000000000000000000000000002",
  userName: "bob",
  companyId: "c0000000000000000000000000000002",
  accessKey: "BOBKEY000000000000000000000002",
  secretKey: "bob-secret",
};

/** A reply, decoded. */
export interface Reply {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
  text: string;
}

/** How to send one call. */
export interface CallOptions {
  method?: string;
  /** JSON-encoded unless a string. */
  body?: unknown;
  /** Authenticate with this user's key and secret (Basic). */
  basic?: ClearMLUser;
  /** Authenticate with this Bearer token. */
  token?: string;
  headers?: Record<string, string>;
}

/** A server under test with a clock the test can move. */
export interface TestServer {
  server: ClearMLServer;
  clock: { now: number };
  /** Sends a call; with neither `basic` nor `token`, Alice's Basic credentials are used. */
  call(path: string, options?: CallOptions): Promise<Reply>;
  /** Sends a call without any credentials. */
  anonymous(path: string, options?: CallOptions): Promise<Reply>;
  /** `data` of a call that must succeed. */
  ok(path: string, body?: unknown, options?: CallOptions): Promise<Record<string, unknown>>;
}

/** 2025-01-02T03:04:05.678Z, the tests' starting time. */
export const START = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

/** Creates a server with Alice and Bob. */
export function testServer(options: { tokenSecret?: string } = {}): TestServer {
  const clock = { now: START };
  const server = createClearMLServer({
    users: [ALICE, BOB],
    now: () => clock.now,
    ...options,
  });
  const send = async (path: string, options: CallOptions, auth: boolean): Promise<Reply> => {
    const headers = new Headers(options.headers ?? {});
    if (options.token !== undefined) headers.set("authorization", `Bearer ${options.token}`);
    else if (auth) headers.set("authorization", basicAuth(options.basic ?? ALICE));
    const body = options.body === undefined
      ? undefined
      : typeof options.body === "string"
      ? options.body
      : JSON.stringify(options.body);
    const response = await server.handler(
      new Request(`http://clearml.test${path}`, {
        method: options.method ?? "POST",
        headers,
        ...(body === undefined ? {} : { body }),
      }),
    );
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Plain-text replies (415, OPTIONS) stay undefined.
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  const call = (path: string, options: CallOptions = {}) => send(path, options, true);
  return {
    server,
    clock,
    call,
    anonymous: (path, options = {}) => send(path, options, false),
    ok: async (path, body, options = {}) => {
      const reply = await call(path, { ...options, ...(body === undefined ? {} : { body }) });
      assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      return reply.body.data;
    },
  };
}

/** The `Authorization` value of a user's credentials. */
export function basicAuth(user: ClearMLUser): string {
  return `Basic ${btoa(`${user.accessKey}:${user.secretKey}`)}`;
}

/** Asserts an error envelope: status = result_code, subcode, message, `data: {}`. */
export function assertError(
  reply: Reply,
  code: number,
  subcode: number,
  message?: string | RegExp,
): void {
  assert.equal(reply.status, code, reply.text);
  assert.equal(reply.body.meta.result_code, code);
  assert.equal(reply.body.meta.result_subcode, subcode, reply.text);
  assert.deepEqual(reply.body.data, {});
  if (typeof message === "string") assert.equal(reply.body.meta.result_msg, message);
  else if (message) assert.match(reply.body.meta.result_msg, message);
}

/** Creates a project and returns its id. */
export async function createProject(t: TestServer, name: string, extra = {}): Promise<string> {
  const data = await t.ok("/projects.create", { name, ...extra });
  return data.id as string;
}

/** Creates a model (ready unless told otherwise) and returns its id. */
export async function createModel(
  t: TestServer,
  fields: Record<string, unknown>,
  options: CallOptions = {},
): Promise<string> {
  const data = await t.ok("/models.create", { uri: "s3://bucket/m", ...fields }, options);
  return data.id as string;
}

/** Decodes a JWT's payload without verifying it, as the official SDK does. */
export function jwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const base64 = part.replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(base64 + "=".repeat((4 - base64.length % 4) % 4)));
}
