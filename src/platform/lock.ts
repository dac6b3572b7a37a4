/**
 * A lock between processes on ClearML alone, which has no compare-and-swap: a project name is
 * unique per company, so creating a project is an atomic "take the lock if free".
 *
 * - Taking: `projects.create` of the hidden project `{parent}/.aipmodel-lock-{modelId}` (a
 *   sub-project of the user's project, which exists, so the server creates no parent) whose
 *   description holds
 *   the holder's random token and the expiry time. Success means held.
 * - Busy: the create fails with 400/801. The waiter reads the lock project back (hidden
 *   projects need `search_hidden`), and either waits (backoff with jitter, never past the
 *   expiry) and tries again, or, when the expiry has passed, deletes that project **by id** and
 *   tries again at once. Deleting by id is what makes breaking safe: two waiters that both saw
 *   the same stale lock delete the same project, never a fresh lock taken in between.
 * - A create that got no answer (the server may have acted) is settled by reading back: a lock
 *   holding the waiter's own random token is its own.
 * - Releasing: `projects.delete` by id; a lock already broken by someone else is gone, which is
 *   not an error.
 * - Hidden projects are left out of every `projects.get_all` that does not ask for them, so the
 *   Python SDK's exact-name lookup of `project_{username}` and the user's project listing never
 *   see the locks; they hold no models, so model listings never see them either.
 *
 * Expiry times come from the holder's clock and are compared with the waiter's: clocks that
 * differ by more than a small part of the ttl shorten or lengthen the wait for a crashed holder.
 *
 * @module
 */

import { ClearMLError, ConnectionError, TimeoutError, ValidationError } from "../errors.ts";
import type { ClearMLCaller } from "../clearml/client.ts";
import { ProjectsAPI } from "../clearml/projects.ts";
import type { Project } from "../clearml/types.ts";
import { sleep } from "../http/retry.ts";
import type { BackendCallOptions, HeldLock } from "../registry/backend.ts";

/** ClearML's "project with the same name already exists". */
const PROJECT_EXISTS = 801;
const HIDDEN = ["hidden"];
const MARK = "aipmodel-lock";
/** Starts the basename of every lock project. */
export const LOCK_PREFIX = ".aipmodel-lock-";

/**
 * How a waiter backs off between attempts.
 *
 * @example
 * ```ts
 * import type { LockTimingOptions } from "./lock.ts";
 * const timing: LockTimingOptions = { minDelayMs: 20, maxDelayMs: 500 };
 * ```
 */
export interface LockTimingOptions {
  /**
   * The first wait, doubled after each failed attempt.
   * @default 50
   */
  minDelayMs?: number | undefined;
  /**
   * The longest wait between two attempts.
   * @default 2000
   */
  maxDelayMs?: number | undefined;
  /**
   * The clock, epoch milliseconds.
   * @default Date.now
   */
  now?: (() => number) | undefined;
}

/**
 * Where {@link ClearMLLocks} keeps its lock projects, and its timing.
 *
 * @example
 * ```ts
 * import type { ClearMLLocksOptions } from "./lock.ts";
 * const options: ClearMLLocksOptions = { parent: "project_alice" };
 * ```
 */
export interface ClearMLLocksOptions extends LockTimingOptions {
  /**
   * The existing project under which each held lock is a hidden sub-project (the user's
   * project: deleting it removes any lock left behind).
   */
  parent: string;
}

/** What a lock project's description holds. */
interface LockRecord {
  owner: string;
  expires: number;
}

/**
 * Named locks held as hidden ClearML projects (see the module documentation for the design).
 *
 * @example
 * ```ts ignore
 * import { ClearMLLocks } from "./lock.ts";
 * const locks = new ClearMLLocks(client, { parent: "project_alice" });
 * const held = await locks.acquire(modelId, { ttlMs: 60_000 });
 * try {
 *   // read, change and write the model's versions_map
 * } finally {
 *   await held.release();
 * }
 * ```
 */
export class ClearMLLocks {
  readonly #client: ClearMLCaller;
  readonly #projects: ProjectsAPI;
  readonly #parent: string;
  readonly #minDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #now: () => number;

  /** Does not contact the server. */
  constructor(client: ClearMLCaller, options: ClearMLLocksOptions) {
    this.#client = client;
    this.#projects = new ProjectsAPI(client);
    this.#parent = options.parent;
    this.#minDelayMs = options.minDelayMs ?? 50;
    this.#maxDelayMs = Math.max(this.#minDelayMs, options.maxDelayMs ?? 2000);
    this.#now = options.now ?? Date.now;
  }

  /** The full name of the lock project of `name`. */
  lockName(name: string): string {
    return `${this.#parent}/${LOCK_PREFIX}${name}`;
  }

  /**
   * Waits until the lock `name` is free, then holds it for at most `ttlMs` (after which any
   * waiter may break it). An aborted `signal` stops the wait with the signal's reason.
   */
  async acquire(
    name: string,
    options: BackendCallOptions & { ttlMs: number },
  ): Promise<HeldLock> {
    const { signal, ttlMs } = options;
    if (!/^[A-Za-z0-9_-]{3,}$/.test(name)) {
      throw new ValidationError("lock name", "3 or more letters, digits, '_' or '-'");
    }
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new ValidationError("ttlMs", "a positive number of milliseconds");
    }
    signal?.throwIfAborted();
    const fullName = this.lockName(name);
    const owner = crypto.randomUUID();
    for (let attempt = 0;; attempt++) {
      signal?.throwIfAborted();
      const record: LockRecord = { owner, expires: this.#now() + ttlMs };
      const id = await this.#tryCreate(fullName, record, signal);
      if (id !== null) return this.#held(id);
      const current = await this.#find(fullName, signal);
      if (current === null) {
        // Released between our create and our read: try again after a short pause, so that a
        // server which hides the lock from us cannot turn this into a busy loop.
        await sleep(this.#minDelayMs * Math.random(), signal);
        continue;
      }
      const seen = parseRecord(current.description);
      if (seen?.owner === owner) return this.#held(current.id); // our create's answer was lost
      const remaining = (seen?.expires ?? 0) - this.#now();
      if (remaining <= 0) {
        // Stale (or unreadable, so never renewable): break it by id and retry at once.
        await this.#projects.delete(current.id, { force: true, signal });
        continue;
      }
      const ceiling = Math.min(this.#maxDelayMs, this.#minDelayMs * 2 ** Math.min(attempt, 16));
      const delay = Math.min(ceiling * (0.5 + Math.random() / 2), remaining + 1);
      await sleep(delay, signal);
    }
  }

  async #tryCreate(
    name: string,
    record: LockRecord,
    signal: AbortSignal | undefined,
  ): Promise<string | null> {
    try {
      const data = await this.#client.call<{ id?: unknown }>("projects.create", {
        name,
        description: JSON.stringify({ [MARK]: true, ...record }),
        system_tags: HIDDEN,
      }, { signal });
      if (typeof data.id === "string") return data.id;
      // No id: the lock exists, but which one is ours is unknown; read it back like a loser.
      return null;
    } catch (error) {
      if (error instanceof ClearMLError && error.resultSubcode === PROJECT_EXISTS) return null;
      // No answer: the server may have acted. The token makes the create safe to settle by
      // reading back (a lock with our token is ours); a server that stays down fails that read.
      if (error instanceof ConnectionError || error instanceof TimeoutError) {
        signal?.throwIfAborted();
        return null;
      }
      throw error;
    }
  }

  async #find(name: string, signal: AbortSignal | undefined): Promise<Project | null> {
    const rows = this.#projects.iterate({
      name,
      filters: { search_hidden: true },
      onlyFields: ["name", "description"],
      signal,
    });
    for await (const project of rows) return project;
    return null;
  }

  #held(id: string): HeldLock {
    let released: Promise<void> | undefined;
    return {
      release: () => {
        released ??= this.#projects.delete(id, { force: true }).then(
          () => undefined,
          (error: unknown) => {
            released = undefined; // a failed release may be tried again
            throw error;
          },
        );
        return released;
      },
    };
  }
}

function parseRecord(description: string | undefined): LockRecord | null {
  if (description === undefined) return null;
  try {
    const value: unknown = JSON.parse(description);
    if (typeof value !== "object" || value === null) return null;
    const { owner, expires } = value as Partial<Record<keyof LockRecord, unknown>>;
    if (typeof owner !== "string" || typeof expires !== "number") return null;
    return { owner, expires };
  } catch {
    return null;
  }
}
