/**
 * What a command's action works with: the global options, the environment (with the env file),
 * the registry (opened on first use, closed by the runner), the progress renderer and the
 * interrupt signal. A command returns a {@link CliResult}; the runner prints it.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import { ENV_VARS } from "../registry/connect_options.ts";
import { MLOpsManager } from "../registry/manager.ts";
import type { TransferEvent, TransferListener } from "../registry/progress.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";
import { type ProgressMode, type ProgressRenderer, progressRenderer } from "./progress.ts";

/** The options every command accepts. */
export interface GlobalOptions {
  /** The embedded registry's folder. */
  localDir?: string | undefined;
  /** The env file read (default `.env` when present). */
  envFile?: string | undefined;
  /** Machine output. */
  json?: boolean | undefined;
  /** The SDK's `[OK]`/`[INFO]` lines on stderr. */
  verbose?: boolean | undefined;
  /** Error stacks on stderr. */
  debug?: boolean | undefined;
  /** `false` with `--no-progress`. */
  progress?: boolean | undefined;
}

/** A command's answer: JSON records (`--json`, or stdout not a terminal) or text. */
export interface CliResult {
  /** One JSON object per line in machine mode. */
  records: readonly Record<string, unknown>[];
  /** What a person reads on a terminal (ends without a newline). */
  text: string;
  /** Printed after the result: the command still fails (exit code 1). */
  failure?: Error | undefined;
}

/** One command run. */
export class Session {
  readonly io: CliIo;
  readonly options: GlobalOptions;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  #manager: MLOpsManager | undefined;
  #renderer: ProgressRenderer | undefined;
  #lastEvent: TransferEvent | undefined;

  /** A run with `options`, in `env` (process environment over the env file). */
  constructor(
    io: CliIo,
    options: GlobalOptions,
    env: Readonly<Record<string, string | undefined>>,
  ) {
    this.io = io;
    this.options = options;
    this.env = env;
    this.signal = io.signal ?? new AbortController().signal;
  }

  /** Whether results and progress are JSON lines. */
  get machine(): boolean {
    return this.options.json === true || !this.io.stdout.isTTY;
  }

  /** Connects (once) to the embedded registry or the platform the options and env name. */
  async manager(): Promise<MLOpsManager> {
    const configured = Object.values(ENV_VARS).some((name) => (this.env[name] ?? "") !== "");
    if (this.options.localDir === undefined && !configured) {
      throw new UsageError(
        "no registry to use: pass --local-dir <dir> for the embedded registry, or set the " +
          "platform settings (USER_TOKEN, ... see 'aipmodel --help') in the environment or an " +
          "--env-file",
      );
    }
    this.#manager ??= await MLOpsManager.connect({
      ...(this.options.localDir === undefined ? {} : { localDir: this.options.localDir }),
      env: this.env,
      verbose: this.options.verbose === true,
      logger: this.#logger(),
      signal: this.signal,
    });
    return this.#manager;
  }

  /** The progress listener for a transfer; its last event gives the totals. */
  progress(): TransferListener {
    const mode: ProgressMode = this.options.progress === false
      ? "off"
      : this.machine || !this.io.stderr.isTTY
      ? "json"
      : "bar";
    this.#renderer = progressRenderer(this.io.stderr, mode);
    const renderer = this.#renderer;
    return (event) => {
      this.#lastEvent = event;
      renderer.listener(event);
    };
  }

  /** Files and bytes of the last transfer, from its last event. */
  get transferred(): { files: number; bytes: number } {
    return { files: this.#lastEvent?.filesDone ?? 0, bytes: this.#lastEvent?.bytesDone ?? 0 };
  }

  /** Ends the progress line and closes the registry. */
  async close(): Promise<void> {
    this.#renderer?.finish();
    const manager = this.#manager;
    this.#manager = undefined;
    await manager?.close();
  }

  #logger(): Logger {
    const line = (text: string) => this.io.stderr.write(`${text}\n`);
    return {
      info: line,
      warn: (text) => line(`warning: ${text}`),
      error: (text) => line(`error: ${text}`),
      debug: (text) => {
        if (this.options.debug === true) line(text);
      },
    };
  }
}
