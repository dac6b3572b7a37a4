/**
 * What every registry operation receives from {@link MLOpsManager}: the backend, the logger and
 * whether to write the Python SDK's `[OK]`/`[INFO]` lines.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import type { TransferTuning } from "../storage/limiter.ts";
import type { RegistryBackend } from "./backend.ts";

/** The shared state of the operations of one manager. */
export interface RegistryContext {
  /** Where metadata and objects live. */
  backend: RegistryBackend;
  /** Where lines go; never given a key, secret or token. */
  logger: Logger;
  /** Whether `[OK]`/`[INFO]` lines are written. */
  verbose: boolean;
  /** The transfer knobs of every call that does not give its own. */
  tuning?: TransferTuning | undefined;
}

/** Writes `[OK] message` when verbose. */
export function logOk(context: RegistryContext, message: string): void {
  if (context.verbose) context.logger.info?.(`[OK] ${message}`);
}

/** Writes `[INFO] message` when verbose. */
export function logInfo(context: RegistryContext, message: string): void {
  if (context.verbose) context.logger.info?.(`[INFO] ${message}`);
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
