/**
 * The reply envelope (reference §2): `{meta, data}` with the HTTP status equal to
 * `meta.result_code`, `data: {}` on errors, and the headers every reply carries.
 *
 * @module
 */

import type { Json, JsonObject } from "./types.ts";

/** What `meta` says about the call. */
export interface CallMeta {
  /** The call id (32 hex). */
  id: string;
  /** The transaction id: the `X-ClearML-Trx` header, else the call id. */
  trx: string;
  /** The endpoint name, `""` when the path could not be parsed. */
  name: string;
  requestedVersion: Json;
  actualVersion: Json;
}

/** The outcome of a call. */
export interface CallResult {
  code: number;
  subcode: number;
  message: string;
  data: JsonObject;
  /** A stack, returned only for unexpected errors (500/0), as the server's default config does. */
  errorStack?: string | null;
  cookies?: readonly string[];
}

/** Headers of every reply: `server: clearml`, and CORS for browsers (any origin). */
export function baseHeaders(request: Request): Headers {
  const headers = new Headers({ server: "clearml" });
  const origin = request.headers.get("origin");
  if (origin !== null) {
    headers.set("access-control-allow-origin", "*");
    headers.set("vary", "Origin");
  }
  return headers;
}

/** A JSON reply in ClearML's envelope. */
export function envelope(request: Request, meta: CallMeta, result: CallResult): Response {
  const body = {
    meta: {
      id: meta.id,
      trx: meta.trx,
      endpoint: {
        name: meta.name,
        requested_version: meta.requestedVersion,
        actual_version: meta.actualVersion,
      },
      result_code: result.code,
      result_subcode: result.subcode,
      result_msg: result.message,
      error_stack: result.errorStack ?? null,
      error_data: {},
    },
    data: result.code === 200 ? result.data : {},
  };
  const headers = baseHeaders(request);
  headers.set("content-type", "application/json");
  for (const cookie of result.cookies ?? []) headers.append("set-cookie", cookie);
  return new Response(JSON.stringify(body), { status: result.code, headers });
}

/** A plain-text reply, for the few answers the server gives outside its envelope. */
export function plainText(request: Request, status: number, text: string): Response {
  const headers = baseHeaders(request);
  headers.set("content-type", "text/html; charset=utf-8");
  return new Response(text, { status, headers });
}
