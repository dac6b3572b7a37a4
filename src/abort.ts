/**
 * Listening to an abort signal from many requests at once. A transfer gives one signal to every
 * request it runs (16 or more at once), and Node prints a "possible memory leak" warning to
 * stderr past 10 listeners on one signal: the library never prints, so the limit is lifted for
 * the signals it listens to (each listener is removed when its request ends).
 *
 * @module
 */

import { setMaxListeners } from "node:events";

/**
 * Calls `listener` once when `signal` aborts; returns the function that stops listening.
 *
 * @example
 * ```ts
 * import { onAbort } from "./abort.ts";
 * const controller = new AbortController();
 * let called = 0;
 * const stop = onAbort(controller.signal, () => called++);
 * controller.abort();
 * stop();
 * console.assert(called === 1);
 * ```
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  allowManyListeners(signal);
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

/**
 * Lifts Node's warning limit of listeners on `signal`, for a signal given to code that listens by
 * itself (a stream `pipeline` with `{ signal }`), once per file of a transfer.
 */
export function allowManyListeners(signal: AbortSignal): void {
  try {
    setMaxListeners(0, signal);
  } catch {
    // A runtime without per-target limits prints no warning either.
  }
}
