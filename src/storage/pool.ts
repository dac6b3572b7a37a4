/**
 * Bounded concurrency with fail-fast: at most N tasks run; the first failure aborts the others
 * (through the group's signal) and is the error the group reports, once every task has settled.
 * Waiting for the stragglers matters: a multipart upload must not be aborted while a part is
 * still being written into it.
 *
 * @module
 */

/** A group of tasks sharing one abort signal, at most `concurrency` at a time. */
export class BoundedGroup {
  /** Aborted when the caller's signal aborts or a task fails; give it to every task. */
  readonly signal: AbortSignal;
  readonly #outer: AbortSignal | undefined;
  readonly #controller = new AbortController();
  readonly #running = new Set<Promise<void>>();
  readonly #slotWaiters: Array<() => void> = [];
  readonly #concurrency: number;
  #failure: { error: unknown } | undefined;

  constructor(concurrency: number, outer?: AbortSignal) {
    this.#concurrency = concurrency;
    this.#outer = outer;
    this.signal = outer
      ? AbortSignal.any([outer, this.#controller.signal])
      : this.#controller.signal;
  }

  /** Waits for a free slot, then starts `task`. Throws the group's failure once there is one. */
  async add(task: (signal: AbortSignal) => Promise<void>): Promise<void> {
    // Woken by the task that frees a slot (a race over every running task would hang a handler
    // on each of them per call).
    while (this.#running.size >= this.#concurrency) {
      await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
    }
    this.#throwIfFailed();
    const running: Promise<void> = task(this.signal)
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.#running.delete(running);
        this.#slotWaiters.shift()?.();
      });
    this.#running.add(running);
  }

  /** Records a failure (the first one wins) and aborts the tasks still running. */
  fail(error: unknown): void {
    if (this.#failure) return;
    this.#failure = { error };
    this.#controller.abort(error);
  }

  /** Waits for every task, then throws the first failure (or the caller's abort reason). */
  async done(): Promise<void> {
    await this.settle();
    this.#throwIfFailed();
  }

  /** Waits for every running task, whatever happened. */
  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  #throwIfFailed(): void {
    if (this.#outer?.aborted) throw this.#outer.reason;
    if (this.#failure) throw this.#failure.error;
  }
}

/**
 * Runs `task` for each item, at most `concurrency` at a time, failing fast.
 *
 * @example
 * ```ts
 * import { runBounded } from "./pool.ts";
 * const seen: number[] = [];
 * await runBounded([1, 2, 3], 2, undefined, async (n) => void seen.push(n));
 * console.assert(seen.length === 3);
 * ```
 */
export async function runBounded<T>(
  items: Iterable<T>,
  concurrency: number,
  signal: AbortSignal | undefined,
  task: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const group = new BoundedGroup(concurrency, signal);
  try {
    for (const item of items) await group.add((inner) => task(item, inner));
  } catch (error) {
    group.fail(error);
  }
  await group.done();
}
