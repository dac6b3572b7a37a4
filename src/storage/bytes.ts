/**
 * Byte helpers of the S3 layer.
 *
 * @module
 */

/** Copies `chunks` (of `length` bytes in all) into one array. */
export function concatBytes(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
