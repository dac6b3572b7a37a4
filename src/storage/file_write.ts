/**
 * How downloads write file bytes: in slices of 32 KiB ({@link WRITE_SLICE}), with synchronous
 * calls on the event loop while the disk answers in microseconds.
 *
 * The slice size is set by the kernel, not by system-call overhead. Linux (6.18 with ext4 here)
 * gives a buffered write page-cache folios as large as the write, up to its alignment: a 128 KiB
 * write asks for 128 KiB folios, which come from the page allocator's large free blocks, while
 * folios of at most 32 KiB (order 3, the largest the per-CPU free lists keep) come from memory
 * freed moments ago. On a VM that hands its free memory back to the host (free page reporting,
 * which reports free blocks of 2 MiB and more), the large blocks have to be backed again by the
 * host on first touch: measured here, writing 8 x 128 MiB took 2.0 to 2.5 s of system time in
 * 128 KiB writes against 0.2 to 0.6 s in 32 KiB writes (a C program, three rounds each), and the
 * kernel's copy into the page cache went from 41 % of a download's CPU to 2 %.
 *
 * Writing 32 KiB slices through the thread pool moved that cost into waking its threads (four
 * times the trips: 2.4 to 2.7 s for 8 x 128 MiB). The slices are written with synchronous calls
 * instead: a slice takes microseconds, less than hashing it (SHA-256 of 128 KiB, which the
 * download does on the loop anyway, takes about 65 us). 8 x 128 MiB then took 1.8 to 2.0 s and
 * 1.3 to 1.6 s of client CPU, against 2.9 to 3.3 s and 3.1 to 3.6 s; 1 GiB 1.9 to 2.1 s against
 * 3.5 to 3.8 s (side by side, three rounds each). {@link SLOW_WRITES} writes in a row slower than
 * {@link SLOW_WRITE_MS} (a network file system, or the kernel throttling a disk that cannot keep
 * up; one alone may be the process losing its core) move every later write of the process to the
 * thread pool, so that a slow disk does not hold every other transfer.
 *
 * @module
 */

import type { FileHandle } from "node:fs/promises";
import { writeSync } from "node:fs";

/** Bytes per write system call (see the module documentation). */
export const WRITE_SLICE = 32 * 1024;
/** See the module documentation. */
const SLOW_WRITE_MS = 4;
/** See the module documentation. */
const SLOW_WRITES = 3;

let onLoop = true;
let slowInARow = 0;

/** Whether writes still run on the event loop (see the module documentation). */
export function writesOnLoop(): boolean {
  return onLoop;
}

/**
 * Runs synchronous file work on the loop and times it: {@link SLOW_WRITES} slow runs in a row
 * turn synchronous writes off for the rest of the process.
 */
export function timedOnLoop<T>(work: () => T): T {
  const started = performance.now();
  try {
    return work();
  } finally {
    slowInARow = performance.now() - started > SLOW_WRITE_MS ? slowInARow + 1 : 0;
    if (slowInARow >= SLOW_WRITES) onLoop = false;
  }
}

/**
 * Writes all of `data` to `descriptor` in {@link WRITE_SLICE} slices: at `position` and on,
 * or at the file's current offset when `position` is undefined.
 */
export function writeAllSync(
  descriptor: number,
  data: Uint8Array,
  position?: number | undefined,
): void {
  for (let offset = 0; offset < data.length;) {
    const length = Math.min(WRITE_SLICE, data.length - offset);
    const at = position === undefined ? null : position + offset;
    const written = writeSync(descriptor, data, offset, length, at);
    if (written <= 0) throw new Error(`A write of ${length} bytes wrote nothing`);
    offset += written;
  }
}

/**
 * Writes all of `data` to `descriptor` at `position` on the loop, timed (see {@link timedOnLoop});
 * for callers that checked {@link writesOnLoop}.
 */
export function writeOnLoop(descriptor: number, data: Uint8Array, position: number): void {
  timedOnLoop(() => writeAllSync(descriptor, data, position));
}

/**
 * Writes all of `data` to `file` at `position`: on the loop in slices while writes are fast,
 * else through the thread pool (see the module documentation).
 */
export async function writeAt(file: FileHandle, data: Uint8Array, position: number): Promise<void> {
  if (onLoop) return writeOnLoop(file.fd, data, position);
  for (let offset = 0; offset < data.length;) {
    const { bytesWritten } = await file.write(
      data,
      offset,
      data.length - offset,
      position + offset,
    );
    if (bytesWritten <= 0) {
      throw new Error(`A write of ${data.length - offset} bytes wrote nothing`);
    }
    offset += bytesWritten;
  }
}
