/**
 * HS256 JSON Web Tokens on WebCrypto, failing with the reasons PyJWT gives, since the server
 * puts that reason in its `401/30` message (reference §3.2).
 *
 * @module
 */

import { isObject, type JsonObject } from "./types.ts";

/** A token that cannot be accepted; `message` is PyJWT's reason text. */
export class JwtError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "JwtError";
  }
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

/** Signs `payload` as PyJWT's `jwt.encode(payload, secret)` does. */
export async function signJwt(payload: JsonObject, secret: string): Promise<string> {
  const header = base64UrlEncode(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = base64UrlEncode(encoder.encode(JSON.stringify(payload)));
  const input = `${header}.${body}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(input));
  return `${input}.${base64UrlEncode(new Uint8Array(signature))}`;
}

/**
 * Verifies `token` as PyJWT's `jwt.decode(token, secret, algorithms=["HS256"])` does, checking
 * the signature, then `iat` and `exp` against `nowSeconds`.
 */
export async function verifyJwt(
  token: string,
  secret: string,
  nowSeconds: number,
): Promise<JsonObject> {
  const lastDot = token.lastIndexOf(".");
  const signingInput = token.slice(0, lastDot);
  const firstDot = signingInput.indexOf(".");
  if (lastDot < 0 || firstDot < 0) throw new JwtError("Not enough segments");
  const headerBytes = decodeSegment(signingInput.slice(0, firstDot), "Invalid header padding");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(headerBytes));
  } catch (error) {
    throw new JwtError(`Invalid header string: ${(error as Error).message}`);
  }
  if (!isObject(header)) throw new JwtError("Invalid header string: must be a json object");
  const payloadBytes = decodeSegment(signingInput.slice(firstDot + 1), "Invalid payload padding");
  const signature = decodeSegment(token.slice(lastDot + 1), "Invalid crypto padding");
  if (header.alg !== "HS256") throw new JwtError("The specified alg value is not allowed");
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    encoder.encode(signingInput),
  );
  if (!valid) throw new JwtError("Signature verification failed");
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(payloadBytes));
  } catch (error) {
    throw new JwtError(`Invalid payload string: ${(error as Error).message}`);
  }
  if (!isObject(payload)) throw new JwtError("Invalid payload string: must be a json object");
  if ("iat" in payload) {
    if (!Number.isInteger(payload.iat)) {
      throw new JwtError("Issued At claim (iat) must be an integer.");
    }
    if ((payload.iat as number) > nowSeconds) {
      throw new JwtError("The token is not yet valid (iat)");
    }
  }
  if ("exp" in payload) {
    if (!Number.isInteger(payload.exp)) {
      throw new JwtError("Expiration Time claim (exp) must be an integer.");
    }
    if ((payload.exp as number) <= nowSeconds) throw new JwtError("Signature has expired");
  }
  return payload;
}

function decodeSegment(segment: string, reason: string): Uint8Array<ArrayBuffer> {
  try {
    return pythonBase64Decode(segment.replaceAll("-", "+").replaceAll("_", "/"), true);
  } catch {
    throw new JwtError(reason);
  }
}

function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Decodes bytes as latin-1, one character per byte, as the server decodes Basic credentials. */
export function latin1(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/**
 * Python's lenient `base64.b64decode`: characters outside the alphabet are dropped, and only a
 * bad length or missing padding is an error (with Python's message). `padMissing` adds the
 * padding first, as PyJWT does for token segments.
 */
export function pythonBase64Decode(text: string, padMissing = false): Uint8Array<ArrayBuffer> {
  const cleaned = text.replace(/[^A-Za-z0-9+/=]/g, "");
  const padAt = cleaned.indexOf("=");
  const data = padAt < 0 ? cleaned : cleaned.slice(0, padAt);
  let padding = padAt < 0 ? 0 : cleaned.length - padAt;
  const remainder = data.length % 4;
  if (padMissing && remainder > 0) padding = Math.max(padding, 4 - remainder);
  if (remainder === 1) {
    throw new Error(
      `Invalid base64-encoded string: number of data characters (${data.length}) ` +
        "cannot be 1 more than a multiple of 4",
    );
  }
  if (remainder > 0 && padding < 4 - remainder) throw new Error("Incorrect padding");
  const binary = atob(remainder > 0 ? data + "=".repeat(4 - remainder) : data);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
