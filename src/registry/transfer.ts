/**
 * Moving the files of one version, several at a time, with whole-transfer progress.
 *
 * @module
 */

import { BoundedGroup } from "../storage/pool.ts";
import type { StorageProgressListener } from "../storage/progress.ts";
import { type TransferListener, TransferTracker } from "./progress.ts";

/** How many files move at once. */
export const FILE_CONCURRENCY = 4;

/** One file to move: where from, where to, how big. */
export interface FileTask {
  /** The name progress events give it (the path under the version root). */
  name: string;
  /** Its size in bytes. */
  size: number;
  /** Moves it; reports cumulative bytes through `onProgress`. */
  run(options: {
    signal: AbortSignal;
    onProgress: StorageProgressListener;
  }): Promise<number>;
}

/**
 * Runs `tasks` at most {@link FILE_CONCURRENCY} at a time; the first failure stops the rest
 * (every running task has settled when this throws). Returns the bytes moved.
 */
export async function runTransfer(
  operation: "upload" | "download",
  tasks: readonly FileTask[],
  onProgress: TransferListener | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  const total = tasks.reduce((sum, task) => sum + task.size, 0);
  const tracker = new TransferTracker(onProgress, operation, tasks.length, total);
  const group = new BoundedGroup(FILE_CONCURRENCY, signal);
  let bytes = 0;
  tracker.edge("start");
  try {
    for (const task of tasks) {
      await group.add(async (taskSignal) => {
        const file = tracker.file(task.name, task.size);
        // Not `bytes += await ...`: that reads `bytes` before the wait and loses the others' counts.
        const moved = await task.run({ signal: taskSignal, onProgress: file.onProgress });
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
