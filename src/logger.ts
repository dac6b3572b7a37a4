/**
 * The logger the SDK writes through. The library never prints by itself.
 *
 * @module
 */

/**
 * A console-like logger; every method is optional, and `console` fits. The SDK logs only at
 * `debug` level here, and never a key, secret or token.
 *
 * @example
 * ```ts
 * import type { Logger } from "./logger.ts";
 * const lines: string[] = [];
 * const logger: Logger = { debug: (message) => lines.push(message) };
 * ```
 */
export interface Logger {
  /** Detail for troubleshooting. */
  debug?(message: string): void;
  /** Normal progress. */
  info?(message: string): void;
  /** Something odd that did not stop the operation. */
  warn?(message: string): void;
  /** A failure. */
  error?(message: string): void;
}
