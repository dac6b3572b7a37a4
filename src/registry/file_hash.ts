/**
 * Hashing what is already on disk or in the store: a local file (to skip a download, to find an
 * unchanged file before an upload, to verify a download folder) or an object read as a stream.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { chunksOf } from "../streams.ts";
import { onAbort } from "../abort.ts";

/** The size and SHA-256 (hex) of a local file, read once; `undefined` when it is not a file. */
export async function hashLocalFile(
  path: string,
  signal?: AbortSignal,
): Promise<{ size: number; sha256: string } | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const hash = createHash("sha256");
  let size = 0;
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const stop = () => stream.destroy(signal?.reason);
  if (signal !== undefined) onAbort(signal, stop);
  try {
    for await (const chunk of stream) {
      hash.update(chunk as Uint8Array);
      size += (chunk as Uint8Array).length;
    }
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  signal?.throwIfAborted();
  return { size, sha256: hash.digest("hex") };
}

/** The size and SHA-256 (hex) of a stream, read to its end. */
export async function hashStream(
  stream: ReadableStream<Uint8Array>,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of chunksOf(stream)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest("hex") };
}
