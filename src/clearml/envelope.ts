/**
 * Reading ClearML's answer envelope, `{meta: {result_code, result_subcode, result_msg, ...},
 * data}`, into the payload or a typed error.
 *
 * @module
 */

import { ClearMLError, ServiceError } from "../errors.ts";
import { describeUrl, type HttpAnswer } from "../http/fetch.ts";
import { redact } from "../redact.ts";

/** The `meta` block of an answer, as far as the client reads it. */
export interface EnvelopeMeta {
  /** Equals the HTTP status on a real server. */
  result_code: number;
  /** E.g. 201 for an unknown model. */
  result_subcode: number;
  /** The server's explanation. */
  result_msg: string;
}

/** An answer's body as parsed. */
export type ParsedAnswer =
  | { kind: "envelope"; meta: EnvelopeMeta; data: unknown }
  | { kind: "other"; description: string };

/**
 * Reads a response body and tells a ClearML envelope from anything else (a proxy's HTML page,
 * plain text, an empty body, JSON of another shape).
 *
 * @example
 * ```ts
 * import { parseAnswer } from "./envelope.ts";
 * const answer = await parseAnswer(new Response("<html>Bad Gateway</html>", { status: 502 }));
 * console.assert(answer.kind === "other");
 * ```
 */
export async function parseAnswer(response: HttpAnswer): Promise<ParsedAnswer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "other", description: describeBody(response, text) };
  }
  const meta = (json as { meta?: unknown } | null)?.meta as Partial<EnvelopeMeta> | undefined;
  if (typeof meta !== "object" || meta === null || typeof meta.result_code !== "number") {
    return { kind: "other", description: describeBody(response, text) };
  }
  return {
    kind: "envelope",
    meta: {
      result_code: meta.result_code,
      result_subcode: typeof meta.result_subcode === "number" ? meta.result_subcode : 0,
      result_msg: typeof meta.result_msg === "string" ? meta.result_msg : "",
    },
    data: (json as { data?: unknown }).data,
  };
}

/** What {@link readEnvelope} needs to know about the call. */
export interface EnvelopeContext {
  /** E.g. `models.get_all`. */
  endpoint: string;
  /** The URL called, shown without its query. */
  url: string;
  /** Strings to blank out of anything the server echoes (keys, tokens). */
  secrets?: readonly string[];
}

/**
 * The `data` of a successful answer. A ClearML failure throws a {@link ClearMLError} with the
 * endpoint, HTTP status and `result_code/result_subcode/result_msg`; an answer that is not the
 * ClearML API (HTML, text, other JSON, a success without `data`) throws a {@link ServiceError}
 * that says so and carries the HTTP status.
 *
 * @example
 * ```ts
 * import { readEnvelope } from "./envelope.ts";
 * const body = { meta: { result_code: 200, result_subcode: 0, result_msg: "OK" }, data: { id: "x" } };
 * const data = await readEnvelope(Response.json(body), { endpoint: "projects.create", url: "http://h/projects.create" });
 * console.assert((data as { id: string }).id === "x");
 * ```
 */
export async function readEnvelope(
  response: HttpAnswer,
  context: EnvelopeContext,
): Promise<unknown> {
  const answer = await parseAnswer(response);
  return dataOrThrow(answer, response.status, context);
}

/**
 * The second half of {@link readEnvelope}, for a caller that already parsed the answer.
 *
 * @example
 * ```ts
 * import { dataOrThrow } from "./envelope.ts";
 * const meta = { result_code: 200, result_subcode: 0, result_msg: "OK" };
 * dataOrThrow({ kind: "envelope", meta, data: {} }, 200, { endpoint: "debug.ping", url: "http://h" });
 * ```
 */
export function dataOrThrow(
  answer: ParsedAnswer,
  status: number,
  context: EnvelopeContext,
): unknown {
  const secrets = context.secrets ?? [];
  if (answer.kind === "other") {
    throw new ServiceError(
      "clearml",
      `ClearML at ${
        describeUrl(context.url)
      } answered ${context.endpoint} with HTTP ${status} and ` +
        `something that is not its API (${redact(answer.description, secrets)}). ` +
        "Check that the API host points at the ClearML API server (port 8008, or /api on the web server).",
      { status },
    );
  }
  const { meta, data } = answer;
  const ok = status >= 200 && status < 300 && meta.result_code >= 200 && meta.result_code < 300;
  if (!ok) {
    throw new ClearMLError({
      endpoint: context.endpoint,
      status,
      resultCode: meta.result_code,
      resultSubcode: meta.result_subcode,
      resultMsg: redact(meta.result_msg, secrets),
    });
  }
  if (typeof data !== "object" || data === null) {
    throw new ServiceError(
      "clearml",
      `ClearML answered ${context.endpoint} with HTTP ${status} but without a data object`,
      { status },
    );
  }
  return data;
}

function describeBody(response: HttpAnswer, text: string): string {
  const type = response.headers.get("content-type")?.split(";")[0]?.trim() || "no content type";
  const squeezed = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  if (squeezed === "") return `${type}, empty body`;
  const excerpt = squeezed.length > 160 ? `${squeezed.slice(0, 160)}…` : squeezed;
  return `${type}: ${JSON.stringify(excerpt)}`;
}
