/**
 * A stream that must hold exactly a known number of bytes: a source that ends early (a dropped
 * connection the server closed cleanly) or gives more than announced fails the upload, so a
 * truncated file is never published.
 *
 * @module
 */

import { AipModelError } from "../errors.ts";

/**
 * Passes `stream` through, erroring when it gives more than `size` bytes or ends short of it.
 * `name` names the file in the error.
 *
 * @example
 * ```ts
 * import { exactSize } from "./sized_stream.ts";
 * const checked = exactSize(new Blob(["abc"]).stream(), 3, "a.txt");
 * console.assert((await new Response(checked).text()) === "abc");
 * ```
 */
export function exactSize(
  stream: ReadableStream<Uint8Array>,
  size: number,
  name: string,
): ReadableStream<Uint8Array> {
  let count = 0;
  const mismatch = (got: string) =>
    new AipModelError(`The source of ${name} gave ${got} bytes where ${size} were expected`);
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        count += chunk.length;
        if (count > size) throw mismatch(`more than ${size}`);
        controller.enqueue(chunk);
      },
      flush() {
        if (count !== size) throw mismatch(String(count));
      },
    }),
  );
}
