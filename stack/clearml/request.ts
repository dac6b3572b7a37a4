/**
 * Reading a call from an HTTP request: the endpoint path with its optional `/vX.Y/` prefix, and
 * the body merged with query-string and form parameters (reference §1).
 *
 * @module
 */

import { ApiError, pyTypeName } from "./errors.ts";
import { type ApiVersion, isObject, type Json, type JsonObject } from "./types.ts";

/** The highest API version of the server this one imitates (clearml-server 2.3.0). */
export const MAX_VERSION: ApiVersion = { major: 2, minor: 34, text: "2.34" };

// The server's own pattern; `\w` is ASCII here, which only matters for non-ASCII paths.
const ENDPOINT_PATH = /^\/?(?:v(?<version>\d+\.?\d+)\/)?(?<name>[a-zA-Z_]\w+\.[a-zA-Z_]\w+)\/?$/;

/** An endpoint name and the version the call asked for. */
export interface EndpointPath {
  name: string;
  version: ApiVersion;
}

/** Parses the request path; a path that does not match is `400/0 Invalid request path <path>`. */
export function parseEndpointPath(pathname: string): EndpointPath {
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    // A malformed escape is reported with the raw path.
  }
  const match = ENDPOINT_PATH.exec(path);
  const name = match?.groups?.name;
  if (!match || name === undefined) throw new ApiError(400, 0, `Invalid request path ${path}`);
  const versionText = match.groups?.version;
  return { name, version: versionText === undefined ? MAX_VERSION : parseVersion(versionText) };
}

/** Parses `"2.13"` (or `"22"`, which the path pattern also admits) into a comparable version. */
export function parseVersion(text: string): ApiVersion {
  const [major = "0", minor = "0"] = text.split(".");
  return { major: Number(major), minor: Number(minor), text };
}

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareVersions(a: ApiVersion, b: ApiVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

/** True when `version` is at most `major.minor`. */
export function versionAtMost(version: ApiVersion, major: number, minor: number): boolean {
  return compareVersions(version, { major, minor, text: "" }) <= 0;
}

/**
 * A version as `meta.endpoint` shows it: strings when the call asked for 2.1 or later, floats
 * for older requests.
 */
export function versionJson(version: ApiVersion, requested: ApiVersion = version): Json {
  return compareVersions(requested, { major: 2, minor: 1, text: "" }) < 0
    ? Number(`${version.major}.${version.minor}`)
    : version.text;
}

/**
 * Loads the call data: the JSON body whatever the content type (an empty or falsy body is `{}`),
 * then query-string parameters, then form fields, each merged in with dotted keys nested.
 */
export async function loadCallData(request: Request, url: URL): Promise<JsonObject> {
  const contentType = (request.headers.get("content-type") ?? "").toLowerCase();
  const isForm = contentType.startsWith("application/x-www-form-urlencoded") ||
    contentType.startsWith("multipart/form-data");
  let body: Json = null;
  let form: [string, string][] = [];
  if (isForm) {
    // Werkzeug consumes form bodies as form fields, so there is no JSON to decode then.
    const data = await request.formData().catch(() => {
      throw new ApiError(
        400,
        0,
        "The browser (or proxy) sent a request that this server could not understand.",
      );
    });
    form = [...data.entries()].flatMap(([key, value]) =>
      typeof value === "string" ? [[key, value]] : []
    );
  } else {
    const text = new TextDecoder().decode(await request.arrayBuffer());
    if (text.length > 0) {
      try {
        body = JSON.parse(text) as Json;
      } catch (error) {
        throw new ApiError(400, 0, `Failed to decode JSON object: ${(error as Error).message}`);
      }
    }
  }
  // Python's `body or {}`: null, false, 0, "" and empty containers all become {}.
  if (!isTruthy(body)) body = {};
  if (!isObject(body)) throw new ApiError(500, 0, "Data should be a dict");
  applyMultiDict(body, [...url.searchParams.entries()]);
  applyMultiDict(body, form);
  return body;
}

function isTruthy(value: Json): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

function applyMultiDict(body: JsonObject, pairs: [string, string][]): void {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of pairs) {
    const values = grouped.get(key);
    if (values) values.push(value);
    else grouped.set(key, [value]);
  }
  for (const [key, values] of grouped) {
    const first = values[0] ?? "";
    const value: Json = values.length > 1 || key.endsWith("[]")
      ? values.map(convertValue)
      : convertValue(first);
    // Python's `rstrip("[]")` strips any run of trailing brackets.
    nestedSet(body, key.replace(/[[\]]+$/, "").split("."), value);
  }
}

// Numbers and booleans in query strings become typed values, exactly as the server converts them.
function convertValue(value: string): Json {
  if (/^\d+$/.test(value.replace(".", ""))) {
    return value.includes(".") ? Number.parseFloat(value) : Number.parseInt(value, 10);
  }
  if (value === "true" || value === "True" || value === "TRUE") return true;
  if (value === "false" || value === "False" || value === "FALSE") return false;
  return value;
}

function nestedSet(target: JsonObject, path: string[], value: Json): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next: Json | undefined = node[key];
    if (next === undefined) {
      const created: JsonObject = {};
      node[key] = created;
      node = created;
    } else if (isObject(next)) {
      node = next;
    } else {
      throw new ApiError(500, 0, `'${pyTypeName(next)}' object does not support item assignment`);
    }
  }
  node[path[path.length - 1] ?? ""] = value;
}
