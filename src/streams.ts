/**
 * Web streams as async iterables, the same way in Deno, Node and Bun.
 *
 * @module
 */

/**
 * The chunks of a Web stream (or of an async iterable, passed through). The stream is cancelled
 * when the reading stops early, so an abandoned download does not keep its connection open.
 *
 * @example
 * ```ts
 * import { chunksOf } from "./streams.ts";
 * let bytes = 0;
 * for await (const chunk of chunksOf(new Blob(["abc"]).stream())) bytes += chunk.length;
 * console.assert(bytes === 3);
 * ```
 */
export async function* chunksOf(
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (!(stream instanceof ReadableStream)) {
    yield* stream;
    return;
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
