/**
 * AWS Signature Version 4 for the requests this SDK sends to S3 itself (see `direct.ts`): header
 * signing with an unsigned payload, as the AWS SDKs do over https. The payload is not hashed for
 * the signature: the bytes are hashed once, for the manifest's SHA-256 that every download checks,
 * and neither the client nor radosgw spends a second pass on them.
 *
 * @module
 */

import { createHash, createHmac } from "node:crypto";

/** The credentials and scope a request is signed with. */
export interface SigningKey {
  /** The access key id (public, part of the `Authorization` header). */
  accessKey: string;
  /** The secret key; only its derived key is kept. */
  secretKey: string;
  /** The region of the scope; radosgw accepts any. */
  region: string;
}

/** One request to sign. */
export interface SignableRequest {
  /** `GET`, `PUT`, `HEAD`, ... */
  method: string;
  /** The `Host` header sent (`host:port`). */
  host: string;
  /**
   * The request path with its query, already encoded with {@link encodeKeyPath}: sent as it is
   * (a URL parser would resolve `.` and `..` segments, which are valid in S3 keys).
   */
  path: string;
  /** Headers to send and sign (names in lower case). */
  headers: Record<string, string>;
}

/** The payload hash of a request whose body is not signed. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/**
 * Signs requests with one set of credentials, caching the derived key for the day.
 *
 * @example
 * ```ts
 * import { Signer } from "./sigv4.ts";
 * const signer = new Signer({ accessKey: "AK", secretKey: "SK", region: "us-east-1" });
 * const headers = signer.sign({
 *   method: "GET",
 *   host: "127.0.0.1:7480",
 *   path: "/bucket/key",
 *   headers: {},
 * }, new Date(0));
 * console.assert(headers.authorization.startsWith("AWS4-HMAC-SHA256 Credential=AK/19700101/"));
 * ```
 */
export class Signer {
  readonly #accessKey: string;
  readonly #secretKey: string;
  readonly #region: string;
  #day = "";
  #key: Uint8Array = new Uint8Array(0);
  #second = Number.NaN;
  #stamp = "";

  constructor(key: SigningKey) {
    this.#accessKey = key.accessKey;
    this.#secretKey = key.secretKey;
    this.#region = key.region;
  }

  /**
   * The headers to send: the request's own plus `x-amz-date`, `x-amz-content-sha256` and
   * `authorization`. `host` is signed but not returned (fetch sets it from the URL).
   */
  sign(
    request: SignableRequest,
    now: Date = new Date(),
  ): Record<string, string> & { authorization: string } {
    const stamp = this.#stampOf(now);
    const day = stamp.slice(0, 8);
    const headers: Record<string, string> = { ...request.headers };
    headers["x-amz-content-sha256"] ??= UNSIGNED_PAYLOAD;
    headers["x-amz-date"] = stamp;
    // Built without intermediate objects: every data request is signed, thousands per version
    // of small files.
    const names = Object.keys(headers);
    if (!("host" in headers)) names.push("host");
    names.sort();
    let canonicalHeaders = "";
    for (const name of names) {
      const value = name === "host" ? request.host : String(headers[name]);
      canonicalHeaders += `${name}:${canonicalValue(value)}\n`;
    }
    const signedHeaders = names.join(";");
    const mark = request.path.indexOf("?");
    const canonical = `${request.method}\n${
      mark < 0 ? request.path : request.path.slice(0, mark)
    }\n${
      mark < 0 ? "" : canonicalQuery(request.path.slice(mark + 1))
    }\n${canonicalHeaders}\n${signedHeaders}\n${headers["x-amz-content-sha256"]}`;
    const scope = `${day}/${this.#region}/s3/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${sha256Hex(canonical)}`;
    const signature = createHmac("sha256", this.#dayKey(day)).update(toSign).digest("hex");
    const authorization = `AWS4-HMAC-SHA256 Credential=${this.#accessKey}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`;
    headers.authorization = authorization;
    return headers as Record<string, string> & { authorization: string };
  }

  /** `YYYYMMDDTHHMMSSZ`, formatted once per second. */
  #stampOf(now: Date): string {
    const second = Math.floor(now.getTime() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    }
    return this.#stamp;
  }

  #dayKey(day: string): Uint8Array {
    if (day !== this.#day) {
      let key: Uint8Array = hmac(`AWS4${this.#secretKey}`, day);
      for (const part of [this.#region, "s3", "aws4_request"]) key = hmac(key, part);
      this.#day = day;
      this.#key = key;
    }
    return this.#key;
  }
}

/** A header value as SigV4 signs it: trimmed, inner runs of spaces made one. */
function canonicalValue(value: string): string {
  const trimmed = value.trim();
  // Only a run of spaces, or a space other than " ", changes: most values have neither.
  return /\s\s|[^\S ]/.test(trimmed) ? trimmed.replace(/\s+/g, " ") : trimmed;
}

function hmac(key: string | Uint8Array, data: string): Uint8Array {
  return createHmac("sha256", key).update(data).digest();
}

function sha256Hex(data: string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-._~` as `%XX` (UTF-8). */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The URL path of `key` in `bucket` (path-style), each segment encoded so that the path sent is
 * already canonical.
 */
export function encodeKeyPath(bucket: string, key: string): string {
  return `/${encodeRfc3986(bucket)}/${key.split("/").map(encodeRfc3986).join("/")}`;
}

/** The query's `name=value` pairs (already RFC 3986 encoded, see {@link encodeQuery}) sorted. */
function canonicalQuery(query: string): string {
  const pairs = query.split("&").filter((pair) => pair !== "").map((pair) => {
    const at = pair.indexOf("=");
    return at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
  });
  pairs.sort(([a = "", x = ""], [b = "", y = ""]) => a < b ? -1 : a > b ? 1 : x < y ? -1 : 1);
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** A query string whose encoding is the canonical one, so that it is signed as it is sent. */
export function encodeQuery(query: Record<string, string>): string {
  return canonicalQuery(
    Object.entries(query).map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
      .join("&"),
  );
}
