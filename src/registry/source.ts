/**
 * Where the files of a new version come from. `addModel` sees a source only through
 * {@link ModelSource}: a list of files, each a path relative to the version's root, a size and
 * either a local file or a stream to read from (a Hugging Face file is streamed from the Hub,
 * never written to disk).
 *
 * @module
 */

import { readdir, realpath, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { ValidationError } from "../errors.ts";

/** What every file of a source has. */
export interface SourceFileBase {
  /** The path under the version's root, `/`-separated. */
  relativePath: string;
  /** Its size in bytes; a stream that gives another count fails the upload. */
  size: number;
}

/** A file read from the local disk. */
export interface LocalSourceFile extends SourceFileBase {
  /** The local file its bytes are streamed from. */
  localPath: string;
  /** Absent: a local file is not opened as a stream. */
  open?: undefined;
}

/** A file read as a stream (e.g. an HTTP response body), opened when its upload starts. */
export interface StreamedSourceFile extends SourceFileBase {
  /** Absent: the bytes come from {@link StreamedSourceFile.open}. */
  localPath?: undefined;
  /** Opens the file's bytes; `signal` stops the read. */
  open(signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /**
   * The same bytes as an object the destination can copy server-side (same endpoint, readable
   * with its keys): then the store's `copyFromBucket` is used and `open` is never called.
   */
  copyFrom?: { bucket: string; key: string } | undefined;
}

/** One file of a source: a local file or a stream of a known size. */
export type SourceFile = LocalSourceFile | StreamedSourceFile;

/** A source of files for a new version. */
export interface ModelSource {
  /** The folder name recorded in `versions_map` (`folderName`) and `modelFolderName`. */
  readonly folderName: string;
  /**
   * Extra fields of this version's `versions_map` entry that say where the files came from
   * (e.g. `hfCommit`); the Python SDK reads only the fields it knows and keeps the others.
   */
  readonly versionFields?: Readonly<Record<string, string>> | undefined;
  /** Every file, in a stable order. */
  files(signal?: AbortSignal): Promise<SourceFile[]>;
  /** Releases what the source prepared (temporary downloads); a no-op for local files. */
  dispose(): Promise<void>;
}

/**
 * A local folder (its contents at the version root, as the Python SDK) or a single file. The
 * files are read where they are: no temporary copy.
 */
export async function localSource(sourcePath: string): Promise<ModelSource> {
  const root = resolve(sourcePath);
  const info = await stat(root).catch(() => undefined);
  if (!info || (!info.isDirectory() && !info.isFile())) {
    throw new ValidationError("sourcePath", `an existing folder or file (got ${sourcePath})`);
  }
  return {
    folderName: basename(root),
    files: async (signal) => {
      if (info.isFile()) {
        return [{ relativePath: basename(root), size: info.size, localPath: root }];
      }
      const out: LocalSourceFile[] = [];
      await walk(root, "", out, signal, [await realpath(root)]);
      return out.sort((a, b) => (a.relativePath < b.relativePath ? -1 : 1));
    },
    dispose: () => Promise.resolve(),
  };
}

/**
 * Lists the files under `dir`. Symbolic links are followed, to files and to folders, as the
 * Python SDK's copytree did; a link that points back to a folder being walked (a loop) and a
 * link that does not resolve are {@link ValidationError}s, so the walk always ends. Other
 * special files (sockets, pipes, devices) are skipped.
 */
async function walk(
  dir: string,
  prefix: string,
  out: LocalSourceFile[],
  signal: AbortSignal | undefined,
  ancestors: readonly string[],
): Promise<void> {
  signal?.throwIfAborted();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const relativePath = `${prefix}${entry.name}`;
    if (entry.isDirectory()) {
      await walk(path, `${relativePath}/`, out, signal, [...ancestors, await realpath(path)]);
      continue;
    }
    const info = await stat(path).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      throw new ValidationError(
        "sourcePath",
        `a folder whose symbolic links all resolve (${relativePath}: ${String(code ?? error)})`,
        { cause: error },
      );
    });
    if (info.isFile()) {
      out.push({ relativePath, size: info.size, localPath: path });
    } else if (info.isDirectory()) {
      const real = await realpath(path);
      if (ancestors.includes(real)) {
        throw new ValidationError(
          "sourcePath",
          `a folder without symbolic-link loops (${relativePath} points back to ${real})`,
        );
      }
      await walk(path, `${relativePath}/`, out, signal, [...ancestors, real]);
    }
  }
}
