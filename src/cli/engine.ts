/**
 * Engine settings for the `aipmodel` process, which lives for one command: a few seconds, most of
 * them spent waiting on the network and the disk.
 *
 * @module
 */

import { setFlagsFromString } from "node:v8";

/**
 * Turns off V8's optimizing compiler (TurboFan) for this process. Its compiles run on background
 * threads that take CPU from the transfer, and a command does not live long enough to repay them:
 * measured on 2 cores next to a radosgw, downloading 2,000 files of 64 KiB spent 0.3 s of its
 * 1.0 s of client CPU compiling (perf), and without it took 0.74 -> 0.56 s of user time and
 * 1.72 -> 1.60 s of wall time (median of 5, side by side); large files moved at the same speed (8 x
 * 128 MiB down: 3.37 s both). Bytes are hashed and copied by native code, which the flag does not
 * touch. Only the command sets it: a program that imports the library keeps its engine's defaults.
 * Runtimes without V8's flags (Bun) ignore it.
 */
export function tuneEngineForCommand(): void {
  try {
    setFlagsFromString("--no-turbofan");
  } catch {
    // A runtime without the call: its defaults stay.
  }
}
