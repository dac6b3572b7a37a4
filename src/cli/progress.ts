/**
 * Renders the registry's {@link TransferEvent}s on stderr: a bar with bytes, rate, ETA and files
 * on a terminal, redrawn at most every 100 ms; JSON lines (start, once a second, each finished
 * file, end) when stderr is not a terminal or `--json` is given.
 *
 * @module
 */

import type { TransferEvent, TransferListener } from "../registry/progress.ts";
import type { CliWriter } from "./io.ts";
import { formatBytes, formatDuration } from "./units.ts";

/** How the progress is shown. */
export type ProgressMode = "bar" | "json" | "off";

const BAR_WIDTH = 24;
const BAR_INTERVAL_MS = 100;
const JSON_INTERVAL_MS = 1000;

/** A progress listener, and `finish()` to end its line once the operation is over. */
export interface ProgressRenderer {
  /** Receives the events. */
  listener: TransferListener;
  /** Ends the bar's line (a terminal) or does nothing. */
  finish(): void;
}

/** A renderer writing to `out` in `mode`; `now` is the clock (milliseconds). */
export function progressRenderer(
  out: CliWriter,
  mode: ProgressMode,
  now: () => number = Date.now,
): ProgressRenderer {
  let started = 0;
  let last = -Infinity;
  let drawn = false;
  const rate = (event: TransferEvent, at: number): number => {
    const seconds = (at - started) / 1000;
    return seconds > 0 ? event.bytesDone / seconds : 0;
  };
  const listener: TransferListener = (event) => {
    if (mode === "off") return;
    const at = now();
    if (event.type === "start") started = at;
    const bytesPerSecond = rate(event, at);
    const eta = bytesPerSecond > 0 ? (event.bytesTotal - event.bytesDone) / bytesPerSecond : NaN;
    if (mode === "json") {
      const edge = event.type === "start" || event.type === "end" || event.type === "file-end";
      if (!edge && at - last < JSON_INTERVAL_MS) return;
      last = at;
      out.write(
        JSON.stringify({
          event: event.type === "file-progress" || event.type === "file-start"
            ? "progress"
            : event.type,
          operation: event.operation,
          ...("file" in event && event.type === "file-end" ? { file: event.file } : {}),
          filesDone: event.filesDone,
          filesTotal: event.filesTotal,
          bytesDone: event.bytesDone,
          bytesTotal: event.bytesTotal,
          bytesPerSecond: Math.round(bytesPerSecond),
          etaSeconds: Number.isFinite(eta) ? Math.round(eta) : null,
        }) + "\n",
      );
      return;
    }
    if (event.type !== "end" && at - last < BAR_INTERVAL_MS) return;
    last = at;
    const fraction = event.bytesTotal > 0 ? event.bytesDone / event.bytesTotal : 1;
    const filled = Math.round(Math.min(1, fraction) * BAR_WIDTH);
    out.write(
      `\r${event.operation === "upload" ? "Uploading" : "Downloading"} ` +
        `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ` +
        `${Math.floor(fraction * 100)}% ${formatBytes(event.bytesDone)}/` +
        `${formatBytes(event.bytesTotal)} ${formatBytes(bytesPerSecond)}/s ` +
        `ETA ${formatDuration(eta)} files ${event.filesDone}/${event.filesTotal}\x1b[K`,
    );
    drawn = true;
  };
  return {
    listener,
    finish: () => {
      if (drawn) out.write("\n");
      drawn = false;
    },
  };
}
