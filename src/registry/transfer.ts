/**
 * Moving the files of one version with whole-transfer progress. Every file of the transfer
 * shares one {@link TransferLimiter}: small files and the parts of large files take slots of the
 * same pool (requests in flight and bytes in memory), so a version of many small files runs many
 * requests at once and a version of a few large files runs their parts in parallel, in the same
 * bounded memory.
 *
 * @module
 */

import { TransferLimiter, type TransferTuning } from "../storage/limiter.ts";
import { BoundedGroup } from "../storage/pool.ts";
import type { StorageProgressListener } from "../storage/progress.ts";
import { type TransferListener, TransferTracker } from "./progress.ts";

/** One file to move: where from, where to, how big. */
export interface FileTask {
  /** The name progress events give it (the path under the version root). */
  name: string;
  /** Its size in bytes. */
  size: number;
  /** Moves it; reports cumulative bytes through `onProgress`; returns the bytes moved. */
  run(options: {
    signal: AbortSignal;
    onProgress: StorageProgressListener;
    limiter: TransferLimiter;
  }): Promise<number>;
}

/**
 * Runs `tasks` over one shared limiter (built from `tuning`); the first failure stops the rest
 * (every running task has settled when this throws). Returns the bytes moved.
 */
export async function runTransfer(
  operation: "upload" | "download",
  tasks: readonly FileTask[],
  onProgress: TransferListener | undefined,
  signal: AbortSignal | undefined,
  tuning: TransferTuning = {},
): Promise<number> {
  const limiter = new TransferLimiter(tuning);
  const total = tasks.reduce((sum, task) => sum + task.size, 0);
  const tracker = new TransferTracker(onProgress, operation, tasks.length, total);
  // Files waiting for a slot cost nothing but a promise; enough of them are started to keep
  // every slot busy, whatever their sizes.
  const group = new BoundedGroup(limiter.concurrency * 2, signal);
  let bytes = 0;
  tracker.edge("start");
  try {
    for (const task of tasks) {
      await group.add(async (taskSignal) => {
        const file = tracker.file(task.name, task.size);
        // Not `bytes += await ...`: that reads `bytes` before the wait and loses the others' counts.
        const moved = await task.run({ signal: taskSignal, onProgress: file.onProgress, limiter });
        bytes += moved;
        file.end();
      });
    }
  } finally {
    await group.settle();
  }
  await group.done();
  tracker.edge("end");
  return bytes;
}
