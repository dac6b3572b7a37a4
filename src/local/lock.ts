/**
 * A lock between processes on one machine: a lock file created with `open(..., "wx")`, which
 * exactly one process can create. The file holds a random token and an expiry, so that the lock of
 * a crashed process can be taken over once its TTL has passed, and so that a holder never removes
 * a lock that has been taken over from it.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { HeldLock } from "../registry/backend.ts";
import { AipModelError } from "../errors.ts";
import { isErrorCode } from "./fs.ts";

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /** After this long without release, the lock counts as abandoned. */
  ttlMs: number;
  /** Stops waiting. */
  signal?: AbortSignal | undefined;
  /** Gives up after this long. @default twice `ttlMs` */
  waitMs?: number;
}

interface LockContent {
  token: string;
  expires: number;
}

/** Waits until the lock file `path` can be created, then returns the held lock. */
export async function acquireFileLock(path: string, options: FileLockOptions): Promise<HeldLock> {
  const token = randomBytes(12).toString("hex");
  const deadline = Date.now() + (options.waitMs ?? 2 * options.ttlMs);
  await mkdir(dirname(path), { recursive: true });
  let delay = 5;
  for (;;) {
    options.signal?.throwIfAborted();
    if (await tryCreate(path, { token, expires: Date.now() + options.ttlMs })) {
      return { release: () => releaseLock(path, token) };
    }
    await breakIfExpired(path, options.ttlMs);
    if (Date.now() > deadline) {
      throw new AipModelError(`Timed out waiting for the lock ${path}; another process holds it`);
    }
    await sleep(delay + Math.random() * delay, options.signal);
    delay = Math.min(delay * 2, 100);
  }
}

async function tryCreate(path: string, content: LockContent): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if (isErrorCode(error, "EEXIST")) return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(content), "utf8");
  } finally {
    await handle.close();
  }
  return true;
}

async function readContent(path: string): Promise<LockContent | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<LockContent>;
    if (typeof parsed.token === "string" && typeof parsed.expires === "number") {
      return parsed as LockContent;
    }
  } catch {
    // Absent, or being written right now by its creator: not ours to judge yet.
  }
  return undefined;
}

/**
 * Removes an expired lock. It is renamed aside first, so that of two processes breaking the same
 * lock only one succeeds; if the file renamed aside turns out to be a fresh lock (taken between
 * our read and our rename), it is put back.
 */
async function breakIfExpired(path: string, ttlMs: number): Promise<void> {
  let content = await readContent(path);
  if (!content) {
    // Unreadable: being written right now, or left empty by a creator that crashed before
    // writing. Only the second stays so for longer than a TTL.
    const info = await stat(path).catch(() => undefined);
    if (!info || Date.now() - info.mtimeMs < ttlMs) return;
    content = { token: "", expires: 0 };
  }
  if (content.expires > Date.now()) return;
  const aside = `${path}.${randomBytes(6).toString("hex")}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (isErrorCode(error, "ENOENT")) return;
    throw error;
  }
  const moved = await readContent(aside);
  if (moved && moved.token !== content.token) {
    // link() fails when a lock exists again, where a rename would silently replace it.
    await link(aside, path).catch(() => {});
  }
  await rm(aside, { force: true });
}

async function releaseLock(path: string, token: string): Promise<void> {
  const content = await readContent(path);
  // An expired lock may have been taken over: only the holder's own file is removed.
  if (content?.token === token) await rm(path, { force: true });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
