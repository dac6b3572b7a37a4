/**
 * Authentication (reference §3): Basic access-key/secret credentials, Bearer JWTs (also taken
 * from the `clearml_token_basic` cookie), and `auth.login`, which issues the tokens.
 *
 * @module
 */

import { apiError } from "./errors.ts";
import { JwtError, latin1, pythonBase64Decode, signJwt, verifyJwt } from "./jwt.ts";
import { MAX_VERSION } from "./request.ts";
import { Store } from "./store.ts";
import { newId } from "./time.ts";
import { type Identity, isObject, type JsonObject } from "./types.ts";
import { checkTypes } from "./validate.ts";

/** The cookie `auth.login` sets and later calls may authenticate with. */
export const AUTH_COOKIE = "clearml_token_basic";

/** `apiserver.auth.max_expiration_sec`: one year. */
export const MAX_EXPIRATION_SEC = 31_536_000;

/** What authentication needs besides the store. */
export interface AuthConfig {
  tokenSecret: string;
  defaultTokenExpirationSec: number;
}

/**
 * The effective `Authorization` value: the header, else the auth cookie as a Bearer token
 * (the server lets an explicit header win).
 */
export function authorizationOf(headers: Headers): string | null {
  const header = headers.get("authorization");
  if (header !== null) return header;
  const token = readCookie(headers.get("cookie"), AUTH_COOKIE);
  return token ? `Bearer ${token}` : null;
}

function readCookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const separator = part.indexOf("=");
    if (separator >= 0 && part.slice(0, separator).trim() === name) {
      return part.slice(separator + 1).trim();
    }
  }
  return undefined;
}

/** Resolves the caller's identity from an `Authorization` value, or throws the 401 ClearML gives. */
export async function authenticate(
  authorization: string | null,
  store: Store,
  config: AuthConfig,
): Promise<Identity> {
  if (!authorization) throw apiError(401, 20);
  const space = authorization.indexOf(" ");
  const scheme = space < 0 ? authorization : authorization.slice(0, space);
  const data = space < 0 ? "" : authorization.slice(space + 1);
  // The scheme is compared exactly, as the server does: "bearer" is a bad auth type.
  if (scheme === "Bearer") return await identityFromToken(data, store, config);
  if (scheme === "Basic") return identityFromCredentials(data, store);
  throw apiError(401, 10);
}

function identityFromCredentials(data: string, store: Store): Identity {
  let decoded: string;
  try {
    decoded = latin1(pythonBase64Decode(data));
  } catch (error) {
    throw apiError(401, 21, { extra: (error as Error).message });
  }
  // Split at the first ':' only, so that a secret may contain ':'.
  const colon = decoded.indexOf(":");
  const key = colon < 0 ? decoded : decoded.slice(0, colon);
  const secret = colon < 0 ? "" : decoded.slice(colon + 1);
  const user = store.users.find((item) => item.accessKey === key && item.secretKey === secret);
  if (!user) throw apiError(401, 22, { extra: "failed to locate provided credentials" });
  return Store.identityOf(user);
}

async function identityFromToken(
  token: string,
  store: Store,
  config: AuthConfig,
): Promise<Identity> {
  let payload: JsonObject;
  try {
    payload = await verifyJwt(token, config.tokenSecret, store.now() / 1000);
  } catch (error) {
    if (error instanceof JwtError) {
      throw apiError(401, 30, { extra: "invalid jwt token", kwargs: { reason: error.message } });
    }
    throw error;
  }
  const identity = payload.identity;
  if (!isObject(identity) || typeof identity.user !== "string" || !identity.user) {
    throw apiError(401, 30, { extra: "failed parsing token, token missing identity" });
  }
  const text = (value: unknown): string => typeof value === "string" ? value : "";
  return {
    user: identity.user,
    company: text(identity.company),
    role: text(identity.role),
    user_name: text(identity.user_name),
    company_name: text(identity.company_name),
  };
}

/** Claims about the server that tokens carry, which the official SDK reads to pick its API level. */
export const SERVER_CLAIMS = {
  env: "production",
  api_version: MAX_VERSION.text,
  server_version: "2.3.0",
  server_build: "aipmodel-test-double",
  feature_set: "basic",
} as const;

/** Issues a token for `identity`, as `auth.login` does. */
export async function createToken(
  identity: Identity,
  expirationSec: number,
  store: Store,
  config: AuthConfig,
): Promise<string> {
  const iat = Math.floor(store.now() / 1000);
  const payload: JsonObject = {
    auth_type: "Bearer",
    identity: { ...identity },
    iat,
    exp: iat + expirationSec,
    session_id: newId(),
    ...SERVER_CLAIMS,
  };
  return await signJwt(payload, config.tokenSecret);
}

/**
 * `auth.login`: a token for the caller, for `expiration_sec` seconds (default 30 days, at most
 * a year); the caller also gets it as the auth cookie.
 */
export async function login(
  data: JsonObject,
  identity: Identity,
  store: Store,
  config: AuthConfig,
): Promise<{ data: JsonObject; cookie: string }> {
  const requested = checkTypes(data, { expiration_sec: "int" }).expiration_sec;
  if (typeof requested === "number" && requested > MAX_EXPIRATION_SEC) {
    throw apiError(400, 12, {
      extra: `'${requested}' is bigger than maximum ('${MAX_EXPIRATION_SEC}').`,
    });
  }
  // Python's `expiration_sec or default`: 0 and null fall back to the default.
  const expirationSec = typeof requested === "number" && requested !== 0
    ? requested
    : config.defaultTokenExpirationSec;
  const token = await createToken(identity, expirationSec, store, config);
  return {
    data: { token },
    cookie: `${AUTH_COOKIE}=${token}; Max-Age=99999999999; HttpOnly; Path=/; SameSite=Lax`,
  };
}
