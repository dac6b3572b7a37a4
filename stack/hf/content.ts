/**
 * The bytes of a file as the Hub's `resolve` and `raw` endpoints serve them: `Range` requests
 * (one range; 206 with `Content-Range`, 416 when unsatisfiable), `ETag`, `Accept-Ranges`, and
 * `HEAD` with the headers of the `GET`.
 *
 * @module
 */

import { fileChunks, type HubFile } from "./repos.ts";

/** A byte range, `end` exclusive. */
export interface ByteRange {
  /** The first byte. */
  start: number;
  /** One past the last byte. */
  end: number;
}

/**
 * The range a `Range` header asks of a `size`-byte file: undefined for no header or one this
 * stand-in ignores (several ranges, another unit: the whole file is served, as HTTP allows),
 * `"unsatisfiable"` when it lies outside the file.
 */
export function parseRange(
  header: string | null,
  size: number,
): ByteRange | "unsatisfiable" | undefined {
  if (header === null) return undefined;
  const match = header.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size : Math.min(size, Number(last) + 1);
  if (end <= start) return "unsatisfiable";
  return { start, end };
}

/** A `GET` or `HEAD` answer for a file's bytes, honouring `Range`. */
export function fileResponse(
  request: Request,
  file: HubFile,
  headers: Record<string, string>,
): Response {
  const base = { ...headers, "accept-ranges": "bytes" };
  const range = parseRange(request.headers.get("range"), file.size);
  if (range === "unsatisfiable") {
    return new Response(null, {
      status: 416,
      headers: { ...base, "content-range": `bytes */${file.size}` },
    });
  }
  const { start, end } = range ?? { start: 0, end: file.size };
  const responseHeaders: Record<string, string> = {
    ...base,
    "content-length": String(end - start),
  };
  if (range !== undefined) {
    responseHeaders["content-range"] = `bytes ${start}-${end - 1}/${file.size}`;
  }
  const body = request.method === "HEAD" ? null : fileChunks(file, start, end);
  return new Response(body, { status: range === undefined ? 200 : 206, headers: responseHeaders });
}
