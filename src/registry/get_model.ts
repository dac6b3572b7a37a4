/**
 * `getModel`: downloads a version (or the latest) into `{localDest}/{version}/...`. Every stored
 * key is checked before anything is written: a key whose relative part could escape the
 * destination fails the whole call.
 *
 * Integrity: a version published by this SDK has a manifest (see `manifest.ts`). The listing must
 * match it (no file missing, none added, same sizes), and every file is hashed while it downloads
 * and compared before it is renamed into place: a mismatch is an {@link IntegrityError} and the
 * bad file is deleted. Small files of such a version start while the listing is still coming; a
 * listing that disagrees with the manifest stops them with that error, leaving only files that
 * matched the manifest. A version without a manifest (written by the Python SDK) downloads with
 * size checks only; the result says `verified: false` and a warning goes to the logger.
 *
 * Resume and skip: a file already at its destination with the manifest's size and SHA-256 is not
 * fetched again (it is hashed: one read of the local file). A download that failed or was
 * aborted keeps its known-good prefix as `<file>.aipmodel-partial` (with a small
 * `.aipmodel-partial.json` sidecar); the next `getModel` continues it with ranged requests when
 * the object is unchanged (same ETag), else starts it over.
 *
 * @module
 */

import { mkdir, readdir, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { IntegrityError, NotFoundError, ValidationError } from "../errors.ts";
import { partialPath } from "../storage/temporary_file.ts";
import type { TransferTuning } from "../storage/limiter.ts";
import { tuningOf } from "./add_model.ts";
import type { ObjectEntry } from "./backend.ts";
import { logOk, type RegistryContext } from "./context.ts";
import { hashLocalFile } from "./file_hash.ts";
import { parseVersionsMap, type VersionInfo } from "./format.ts";
import { listGuided } from "./guided_listing.ts";
import { filesByPath, type Manifest, readManifest } from "./manifest.ts";
import { requireModel } from "./model_entity.ts";
import { insideResolved, insideRoot, isExcluded, safeSegments } from "./paths.ts";
import type { TransferListener } from "./progress.ts";
import { type FileTask, runTransfer } from "./transfer.ts";
import { validateModelName } from "./validate.ts";

/** Options of `getModel`; the transfer knobs default to the manager's. */
export interface GetModelOptions extends TransferTuning {
  /** The model's name. */
  modelName: string;
  /** The version. @default the latest version */
  version?: string | undefined;
  /** The folder the version's folder is created in. */
  localDest: string;
  /** Stops the download; partial files are kept to be resumed. */
  signal?: AbortSignal | undefined;
  /** Receives per-file and total progress. */
  onProgress?: TransferListener | undefined;
}

/** What `getModel` downloaded. */
export interface GetModelResult {
  /** The version downloaded. */
  version: string;
  /** `{localDest}/{version}`. */
  path: string;
  /** Files of the version now at the destination. */
  files: number;
  /** Bytes fetched over the network by this call. */
  bytes: number;
  /**
   * Whether every file was checked against the version's manifest (SHA-256). `false` for a
   * version without a manifest (written by the Python SDK): sizes were checked, not contents.
   */
  verified: boolean;
  /** Files already at the destination with the manifest's size and hash, not fetched again. */
  skippedFiles: number;
  /** Bytes taken from partial files of an earlier, interrupted call instead of the network. */
  resumedBytes: number;
}

/** A version found in the registry: where its objects are, and its entry. */
export interface ResolvedVersion {
  /** The model id. */
  modelId: string;
  /** The version name. */
  version: string;
  /** The key prefix of its objects, ending with `/`. */
  prefix: string;
  /** Its `versions_map` entry (absent for models from before versions_map). */
  info: VersionInfo | undefined;
}

/** Finds a version (the latest when `version` is omitted) of a model. */
export async function resolveVersion(
  context: RegistryContext,
  modelName: string,
  requested: string | undefined,
  signal: AbortSignal | undefined,
): Promise<ResolvedVersion> {
  const entity = await requireModel(context, { modelName }, signal);
  const map = parseVersionsMap(entity.metadata.versions_map);
  let version = requested;
  let path: string | undefined;
  if (version !== undefined) {
    path = map[version]?.path;
    if (path === undefined) {
      throw new NotFoundError(
        "version",
        version,
        `Model '${modelName}' has no version '${version}'`,
      );
    }
  } else {
    const latest = entity.metadata.latest_version;
    if (latest !== undefined && map[latest] !== undefined) {
      version = latest;
      path = map[latest].path;
    } else {
      // Models from before versions_map (Python SDK < 0.2.57): the uri names the data.
      path = pathFromUri(entity.uri, context.backend.objects.bucket);
      version = path?.split("/").filter((segment) => segment !== "").at(-1);
    }
    if (path === undefined || version === undefined) {
      throw new NotFoundError("version", "latest", `Model '${modelName}' has no version yet`);
    }
  }
  return {
    modelId: entity.id,
    version,
    prefix: path.endsWith("/") ? path : `${path}/`,
    info: map[version],
  };
}

/** One file of a version as listed, with its path under the version and its manifest entry. */
export interface ListedFile {
  /** The object. */
  entry: ObjectEntry;
  /** The safe path segments under the version root. */
  segments: string[];
  /** The `/`-joined path. */
  path: string;
}

/**
 * The version's objects, excluded segments left out, listed with the manifest as a guide (see
 * `guided_listing.ts`). Every key is checked before any is used: one that could escape the
 * destination fails the listing.
 */
async function listVersion(
  context: RegistryContext,
  prefix: string,
  manifest: Promise<Manifest | undefined>,
  signal: AbortSignal | undefined,
): Promise<ListedFile[]> {
  const listed: ListedFile[] = [];
  for (const entry of await listGuided(context.backend.objects, prefix, manifest, { signal })) {
    const segments = safeSegments(entry.key.slice(prefix.length));
    if (isExcluded(segments)) continue;
    listed.push({ entry, segments, path: segments.join("/") });
  }
  return listed;
}

/**
 * Checks the version's objects against its manifest, when there is one: a file missing, added or
 * of another size is an {@link IntegrityError}.
 */
function checkListing(
  resolved: ResolvedVersion,
  listed: readonly ListedFile[],
  manifest: Manifest | undefined,
): void {
  if (manifest === undefined) return;
  const { prefix } = resolved;
  const expected = filesByPath(manifest);
  for (const file of listed) {
    const want = expected.get(file.path);
    if (want === undefined) {
      throw new IntegrityError(
        `${file.entry.key} is not in the manifest of version '${resolved.version}': the ` +
          "version was changed after it was published.",
        { subject: file.path, expected: "absent", actual: `${file.entry.size} bytes` },
      );
    }
    if (want.size !== file.entry.size) {
      throw new IntegrityError(
        `${file.entry.key} holds ${file.entry.size} bytes, not the ${want.size} of the manifest.`,
        { subject: file.path, expected: String(want.size), actual: String(file.entry.size) },
      );
    }
    expected.delete(file.path);
  }
  for (const missing of expected.values()) {
    if (isExcluded(missing.path.split("/"))) continue;
    throw new IntegrityError(
      `${prefix}${missing.path} is missing from version '${resolved.version}' (its manifest ` +
        "lists it).",
      { subject: missing.path, expected: `${missing.size} bytes`, actual: "missing" },
    );
  }
}

/** Downloads a version of a model; see the module documentation. */
export async function getModel(
  context: RegistryContext,
  options: GetModelOptions,
): Promise<GetModelResult> {
  const modelName = validateModelName(options.modelName);
  if (typeof options.localDest !== "string" || options.localDest === "") {
    throw new ValidationError("localDest", "the path of a folder");
  }
  const destination = await stat(options.localDest).catch(() => undefined);
  if (destination !== undefined && !destination.isDirectory()) {
    throw new ValidationError("localDest", `a folder (${options.localDest} is not one)`);
  }
  const { signal } = options;
  const { objects } = context.backend;
  const resolved = await resolveVersion(context, modelName, options.version, signal);
  const { version, prefix } = resolved;
  // The manifest and the listing's first page are asked for at once; the manifest then guides
  // the rest of the listing, and small files start before it ends (see `EARLY_SIZE`).
  const reading = readManifest(objects, resolved.info, signal);
  const listing = listVersion(context, prefix, reading, signal);
  // Awaited on every path below; this keeps its failure from going unhandled meanwhile.
  listing.catch(() => {});
  const manifest = await reading;
  const planned = manifest === undefined ? undefined : plannedFiles(prefix, manifest);
  let files: ListedFile[];
  let agreed: Promise<Map<string, ObjectEntry>> | undefined;
  if (planned === undefined) {
    files = await listing;
    checkListing(resolved, files, manifest);
  } else {
    files = planned;
    agreed = listing.then((listed) => {
      checkListing(resolved, listed, manifest);
      return new Map(listed.map((file) => [file.path, file.entry]));
    });
    // Awaited by the transfer (see `transferWhileListing`); a failure before it starts is not lost.
    agreed.catch(() => {});
  }
  const expected = filesByPath(manifest);
  const root = insideRoot(options.localDest, safeSegments(version));
  if (files.length === 0) {
    throw new NotFoundError("object", prefix, `No files under ${prefix} for '${modelName}'`);
  }
  let skippedFiles = 0;
  let resumedBytes = 0;
  const totalBytes = files.reduce((sum, file) => sum + file.entry.size, 0);
  const destinations = files.map(({ segments }) => insideResolved(root, segments));
  const folders = await folderNames(root, destinations);
  const tasks: FileTask[] = files.map(({ entry, path }, index) => {
    const destination = destinations[index] as string;
    const want = expected.get(path);
    // What the folder held before the call: no file, no hash to compare; no sidecar, no
    // partial download to look for.
    const names = folders.get(dirname(destination));
    const present = names === undefined || names.has(basename(destination));
    const noKeptPartial = names !== undefined &&
      (names.size === 0 || !names.has(`${basename(partialPath(destination))}.json`));
    const early = agreed !== undefined && entry.size <= EARLY_SIZE;
    return {
      name: path,
      size: entry.size,
      run: async (call) => {
        if (want !== undefined && present) {
          const local = await hashLocalFile(destination, call.signal);
          if (local?.size === want.size && local.sha256 === want.sha256) {
            skippedFiles += 1;
            return 0;
          }
        }
        // A larger file waits for the listing: its ETag pins the ranged GETs and names the
        // kept partial file.
        const listed = early || agreed === undefined ? entry : (await agreed).get(path) ?? entry;
        const got = await objects.getFile(listed.key, destination, {
          ...call,
          expectedSize: listed.size,
          etag: listed.etag,
          sizeKnown: early,
          ...(want === undefined ? {} : { expectedSha256: want.sha256 }),
          resume: true,
          noKeptPartial,
          parallelThreshold: parallelThreshold(listed.size, totalBytes),
        });
        resumedBytes += got.resumedBytes ?? 0;
        return got.bytes - (got.resumedBytes ?? 0);
      },
    };
  });
  await mkdir(root, { recursive: true }).catch((error: unknown) => {
    throw new ValidationError("localDest", `a folder in which ${root} can be created`, {
      cause: error,
    });
  });
  const tuning = tuningOf(context, options);
  const bytes = agreed === undefined
    ? await runTransfer("download", tasks, options.onProgress, signal, tuning)
    : await transferWhileListing(tasks, agreed, options.onProgress, signal, tuning);
  const verified = manifest !== undefined;
  if (!verified) {
    context.logger.warn?.(
      `Model '${modelName}' version '${version}' has no manifest (written by the Python SDK?): ` +
        "its files were checked by size only, not by content.",
    );
  }
  logOk(context, `Model '${modelName}' version '${version}' downloaded to ${root}`);
  return {
    version,
    path: root,
    files: tasks.length,
    bytes,
    verified,
    skippedFiles,
    resumedBytes,
  };
}

/**
 * Files up to this size start downloading while the listing is still coming, when the version
 * has a manifest: one GET each, checked against the manifest's size and SHA-256 before it is
 * renamed into place. 2,000 files of 64 KiB: the listing (2 to 3 pages, 60 to 160 ms on the
 * benchmark's radosgw, more in a bucket with many deleted keys) no longer comes before the first
 * byte.
 */
const EARLY_SIZE = 1024 * 1024;

/**
 * The version's files as its manifest lists them (excluded segments left out), to download
 * before the listing confirms them; `undefined` (list first) when it lists no file, a path twice,
 * or a path that is not already in the form a listing gives (a listing of such a version fails or
 * differs).
 */
function plannedFiles(prefix: string, manifest: Manifest): ListedFile[] | undefined {
  const planned: ListedFile[] = [];
  const seen = new Set<string>();
  for (const file of manifest.files) {
    let segments: string[];
    try {
      segments = safeSegments(file.path);
    } catch {
      return undefined;
    }
    if (segments.join("/") !== file.path || seen.has(file.path)) return undefined;
    seen.add(file.path);
    if (isExcluded(segments)) continue;
    planned.push({
      entry: { key: `${prefix}${file.path}`, size: file.size },
      segments,
      path: file.path,
    });
  }
  return planned.length === 0 ? undefined : planned;
}

/**
 * Runs the transfer while the listing is checked against the manifest (`agreed`). A listing that
 * disagrees (a file added, missing or of another size) stops the transfer, and its
 * {@link IntegrityError} is what the caller gets, rather than a GET's failure: files already
 * complete stay, each one checked against the manifest. The caller's abort comes first.
 */
async function transferWhileListing(
  tasks: readonly FileTask[],
  agreed: Promise<unknown>,
  onProgress: TransferListener | undefined,
  signal: AbortSignal | undefined,
  tuning: TransferTuning,
): Promise<number> {
  const stop = new AbortController();
  agreed.catch((error: unknown) => stop.abort(error));
  const linked = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  try {
    const bytes = await runTransfer("download", tasks, onProgress, linked, tuning);
    await agreed;
    return bytes;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    await agreed;
    throw error;
  }
}

/**
 * The size above which a file is fetched in parallel ranged parts: a file that holds more than a
 * quarter of the transfer's bytes is split; the others are one GET each (their bytes hashed as
 * they arrive) and the files fill the streams. Whole GETs cost radosgw less CPU than ranges: 8
 * files of 128 MiB in 8 MiB ranges took it 4.8 s against 3.6 to 4.1 s in one GET each.
 */
function parallelThreshold(size: number, total: number): number | undefined {
  return size * 4 > total ? undefined : Number.MAX_SAFE_INTEGER;
}

/**
 * The names in each folder of `paths`, read once per folder (an absent folder has none; all are
 * absent when `root`, the folder they are in, is); a folder that cannot be read is left out and
 * its files are looked up one by one.
 */
async function folderNames(
  root: string,
  paths: readonly string[],
): Promise<Map<string, Set<string>>> {
  const names = new Map<string, Set<string>>();
  const folders = new Set(paths.map((path) => dirname(path)));
  // A new destination (the usual case) holds nothing: one look instead of one per folder, each
  // of which would wait behind the listing's pages on the event loop.
  const absent = await stat(root).then(() => false, (error) => error?.code === "ENOENT");
  if (absent) {
    for (const folder of folders) names.set(folder, new Set());
    return names;
  }
  for (const folder of folders) {
    try {
      names.set(folder, new Set(await readdir(folder)));
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") names.set(folder, new Set());
    }
  }
  return names;
}

/** The key prefix of `s3://{bucket}/{path}`, or `undefined` for another bucket or a placeholder. */
function pathFromUri(uri: string, bucket: string): string | undefined {
  const start = `s3://${bucket}/`;
  if (!uri.startsWith(start)) return undefined;
  const path = uri.slice(start.length);
  return path === "" ? undefined : path;
}
