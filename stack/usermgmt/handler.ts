/**
 * A stand-in for the platform's user-management API, as a `Request -> Response` handler: the
 * SDK's platform mode trades a user token for the user's ClearML and S3 credentials here.
 *
 * @module
 */

/** The credentials the platform keeps for one user, as `GET /metadata` returns them. */
export interface UserMetadata {
  /** The S3 access key of the user's Ceph account. */
  s3_access_key: string;
  /** The S3 secret key of the user's Ceph account. */
  s3_secret_key: string;
  /** The user's bucket. */
  s3_bucket: string;
  /** The user's ClearML API access key. */
  clearml_access_key: string;
  /** The user's ClearML API secret key. */
  clearml_secret_key: string;
}

/** One user of the API. */
export interface UserRecord {
  /** The user name. */
  username: string;
  /** The user's credentials. */
  metadata: UserMetadata;
}

/** Options of {@link createUserManagementHandler}. */
export interface UserManagementOptions {
  /** The users, by bearer token. */
  users: Record<string, UserRecord> | Map<string, UserRecord>;
}

/**
 * Creates the handler. Routes: `GET /metadata` (bearer token -> `{ username, metadata }`, 401
 * with `{ detail }` for a missing or unknown token), `GET /health` (`{ status: "ok" }`); anything
 * else is a JSON 404 (405 for a known path with another method).
 *
 * @example
 * ```ts
 * import { createUserManagementHandler } from "./handler.ts";
 * const handler = createUserManagementHandler({ users: {} });
 * const response = await handler(new Request("http://localhost/health"));
 * console.assert(response.status === 200);
 * ```
 */
export function createUserManagementHandler(
  options: UserManagementOptions,
): (request: Request) => Promise<Response> {
  const users = options.users instanceof Map
    ? options.users
    : new Map(Object.entries(options.users));
  return (request) => {
    const path = new URL(request.url).pathname.replace(/\/+$/, "") || "/";
    const route = ROUTES[path];
    if (route === undefined) return Promise.resolve(json(404, { detail: "Not Found" }));
    if (request.method !== "GET" && request.method !== "HEAD") {
      return Promise.resolve(json(405, { detail: "Method Not Allowed" }, { allow: "GET" }));
    }
    return Promise.resolve(route(request, users));
  };
}

type Route = (request: Request, users: Map<string, UserRecord>) => Response;

const ROUTES: Record<string, Route | undefined> = {
  "/health": () => json(200, { status: "ok" }),
  "/metadata": (request, users) => {
    const token = bearerToken(request.headers.get("authorization"));
    if (token === undefined) {
      return json(401, { detail: "Not authenticated" }, { "www-authenticate": "Bearer" });
    }
    const user = users.get(token);
    if (user === undefined) {
      return json(401, { detail: "Invalid or expired token" }, { "www-authenticate": "Bearer" });
    }
    return json(200, { username: user.username, metadata: { ...user.metadata } });
  },
};

function bearerToken(header: string | null): string | undefined {
  const match = header?.match(/^\s*Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
