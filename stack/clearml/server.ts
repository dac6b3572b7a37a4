/**
 * A ClearML-compatible API server, as a test double of the real one: a web-standard
 * `Request -> Response` handler with its state in memory. It implements the subset of the API a
 * model registry uses (`auth.login`, `projects.*`, `models.*`, `debug.ping`) point by point as
 * `reference/clearml-api.md` describes it: envelope, status codes, subcodes and messages,
 * authentication, filters and paging.
 *
 * @example
 * ```ts
 * import { createClearMLServer } from "./stack/clearml/server.ts";
 * const server = createClearMLServer({
 *   users: [{ userId: "u1", userName: "me", companyId: "c1", accessKey: "KEY", secretKey: "SECRET" }],
 * });
 * const reply = await server.handler(new Request("http://x/auth.login", {
 *   headers: { authorization: `Basic ${btoa("KEY:SECRET")}` },
 * }));
 * const { data } = await reply.json(); // { token: "eyJ..." }
 * ```
 *
 * @module
 */

import { authenticate, authorizationOf } from "./auth.ts";
import { type CallMeta, envelope, plainText } from "./envelope.ts";
import { ApiError } from "./errors.ts";
import { compareVersions, loadCallData, parseEndpointPath, versionJson } from "./request.ts";
import { ENDPOINTS } from "./routes.ts";
import { Store } from "./store.ts";
import { newId } from "./time.ts";
import type { Identity } from "./types.ts";
import { checkRequiredFields } from "./validate.ts";

/** A user the server knows, with one pair of API credentials. */
export interface ClearMLUser {
  userId: string;
  userName: string;
  companyId: string;
  accessKey: string;
  secretKey: string;
  /**
   * The role in the token's identity.
   * @default "user"
   */
  role?: string;
  /**
   * The company name in the token's identity.
   * @default "clearml"
   */
  companyName?: string;
}

/** Options of {@link createClearMLServer}. */
export interface ClearMLServerOptions {
  /** The users who may log in. */
  users: ClearMLUser[];
  /**
   * The HS256 secret tokens are signed with; a fixed one keeps tokens valid across restarts.
   * @default a random secret per server
   */
  tokenSecret?: string;
  /**
   * The clock, in epoch milliseconds (tests move it to expire tokens).
   * @default Date.now
   */
  now?: () => number;
  /**
   * The lifetime of tokens when `auth.login` gets no `expiration_sec`.
   * @default 2592000 (30 days)
   */
  defaultTokenExpirationSec?: number;
}

/** A running server: its handler and a few test conveniences. */
export interface ClearMLServer {
  /** Answers one HTTP request. */
  handler: (request: Request) => Promise<Response>;
  /** Registers another user (another company gives another, separate, registry). */
  addUser(user: ClearMLUser): void;
  /** Forgets every project and model; users stay. */
  reset(): void;
}

/** Creates a ClearML-compatible server with its state in memory. */
export function createClearMLServer(options: ClearMLServerOptions): ClearMLServer {
  const store = new Store(options.now ?? Date.now);
  const auth = {
    tokenSecret: options.tokenSecret ?? newId() + newId(),
    defaultTokenExpirationSec: options.defaultTokenExpirationSec ?? 2_592_000,
  };
  const addUser = (user: ClearMLUser) => {
    store.users.push({ role: "user", companyName: "clearml", ...user });
  };
  options.users.forEach(addUser);

  async function handler(request: Request): Promise<Response> {
    if (request.method === "OPTIONS") return plainText(request, 200, "");
    const encoding = request.headers.get("content-encoding");
    if (encoding) {
      return plainText(request, 415, `Content encoding is not supported (${encoding})`);
    }
    const id = newId();
    const meta: CallMeta = {
      id,
      trx: request.headers.get("x-clearml-trx") ?? request.headers.get("x-trains-trx") ?? id,
      name: "",
      requestedVersion: 1.0,
      actualVersion: null,
    };
    const cookies: string[] = [];
    try {
      const url = new URL(request.url);
      const path = parseEndpointPath(url.pathname);
      meta.name = path.name;
      meta.requestedVersion = versionJson(path.version);
      const endpoint = ENDPOINTS.get(path.name);
      if (!endpoint || compareVersions(path.version, endpoint.minVersion) < 0) {
        throw new ApiError(
          404,
          0,
          `Unable to find endpoint for name ${path.name} and version ${path.version.text}`,
        );
      }
      meta.actualVersion = versionJson(endpoint.minVersion, path.version);
      // Order as the server's: endpoint (404), credentials (401), body (400), validation.
      const authorization = authorizationOf(request.headers);
      let identity: Identity | undefined;
      if (endpoint.authorize) {
        identity = await authenticate(authorization, store, auth);
      } else if (authorization) {
        identity = await authenticate(authorization, store, auth).catch(() => undefined);
      }
      const data = await loadCallData(request, url);
      if (endpoint.requiredFields) checkRequiredFields(data, endpoint.requiredFields);
      const result = await endpoint.handle({
        data,
        identity: identity ?? { user: "", company: "", role: "", user_name: "", company_name: "" },
        version: path.version,
        store,
        auth,
        setCookie: (cookie) => cookies.push(cookie),
      });
      return envelope(request, meta, {
        code: 200,
        subcode: 0,
        message: "OK",
        data: result,
        cookies,
      });
    } catch (error) {
      if (error instanceof ApiError) {
        return envelope(request, meta, {
          code: error.code,
          subcode: error.subcode,
          message: error.message,
          data: {},
        });
      }
      // An unexpected failure is a 500 with the exception text and, as the server's default
      // configuration does for 500/0, the stack.
      const failure = error instanceof Error ? error : new Error(String(error));
      return envelope(request, meta, {
        code: 500,
        subcode: 0,
        message: failure.message,
        data: {},
        errorStack: failure.stack ?? null,
      });
    }
  }

  return { handler, addUser, reset: () => store.clear() };
}
