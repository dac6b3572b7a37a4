/**
 * `addModel`: uploads a version and makes it visible, in an order where a reader never sees a
 * version without its files.
 *
 * The order of steps:
 * 1. Validate every option (a {@link ValidationError} before anything is touched).
 * 2. Find the model by exact name (the oldest wins). If there is none, create it with uri
 *    `s3://placeholder`, then look the name up again: when another process created the same name
 *    at the same time, the oldest survives and the newer one is deleted by its creator.
 * 3. Upload. A NEW version name goes straight into `_models/{id}/{version}/` (nothing points
 *    there until step 4, so it needs no staging and no copy; leftovers of a crashed call are
 *    removed first). An automatic `_v<N>` is a new name too: it is chosen and reserved under the
 *    model's lock first (see `reservations.ts`), so no other process uploads into the same
 *    folder. Only an EXISTING version (overwrite) goes to a staging prefix
 *    `_models/{id}/{version}_tmp_{rand}/`. The code file goes to `model.py` at the root.
 *    A local file is streamed from disk; a streamed source file (Hugging Face: read at the
 *    resolved commit, under `hf_{modelName}/`; S3: under `<last segment>/`) goes from its HTTP
 *    response straight into the object store and must give exactly its listed size, else the
 *    upload fails (rollback). An S3 file the store can read itself is copied server-side.
 * 4. Publish under the model's lock: read the entity, set this version's entry in `versions_map`
 *    (path, size in MiB, created, haveModelPy, folderName, version_number, and the source's
 *    extra fields, e.g. `hfRepo`/`hfCommit`, which the Python SDK ignores), write the metadata,
 *    then the uri; release; read back and re-apply the entry if a writer without the lock
 *    clobbered it. This is the commit point: the version is now visible, with complete data.
 * 5. Staged uploads only: delete the old `{version}/` objects (no longer referenced), copy staging
 *    to `{version}/` server-side, re-point the entry to `{version}/` (under the lock), delete the
 *    staging prefix. At every moment the metadata points at complete data; a failure here leaves
 *    the version published at its staging path, and is logged as a warning, not thrown.
 *
 * A failure or an abort before the first metadata write of step 4 deletes what was uploaded,
 * deletes the model entity if this call created it and no version was published into it
 * meanwhile, and throws an
 * {@link AipModelError} whose `cause` is the failure (for an abort, an
 * {@link OperationAbortedError} whose `cause` is the signal's reason).
 * Once that write has begun, the step is not abortable, and a failure keeps the objects (the
 * version may be visible): metadata never points at deleted data.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import process from "node:process";
import { AipModelError, OperationAbortedError, ValidationError } from "../errors.ts";
import { logInfo, logOk, messageOf, type RegistryContext } from "./context.ts";
import { bytesToMiB, createdStamp, parseVersionsMap, versionPrefix } from "./format.ts";
import { deleteIfEmpty, findOrCreateModel } from "./model_entity.ts";
import type { TransferListener } from "./progress.ts";
import { publishVersion, releaseReservation, reserveAutomaticVersion } from "./publish.ts";
import { exactSize } from "./sized_stream.ts";
import { localSource, type ModelSource, type SourceFile } from "./source.ts";
import { hfSource } from "../sources/hf.ts";
import { openS3Source } from "./s3_source.ts";
import type { ObjectStore, StoredFile } from "./backend.ts";
import { hashLocalFile, hashStream } from "./file_hash.ts";
import {
  filesByPath,
  type ManifestFile,
  manifestFolder,
  type ManifestReference,
  readManifest,
  writeManifest,
} from "./manifest.ts";
import { currentLatest } from "./publish.ts";
import type { TransferTuning } from "../storage/limiter.ts";
import { finishStaged } from "./staging.ts";
import { type FileTask, runTransfer } from "./transfer.ts";
import { validateCategory, validateModelName, validateTags, validateVersion } from "./validate.ts";

/** Where a version's files come from. */
export type SourceType = "local" | "hf" | "s3";

/** Options of `addModel`; the transfer knobs default to the manager's. */
export interface AddModelOptions extends TransferTuning {
  /**
   * `"local"` (a folder or a single file), `"hf"` (a Hugging Face Hub model repo, streamed
   * into `hf_{modelName}/`) or `"s3"` (a prefix or an object of a bucket, under
   * `<last segment>/`; copied server-side when the registry's keys can read it).
   */
  sourceType: SourceType;
  /** The model's name: 3+ characters, no `/`, `\`, `..`, control characters, `tmp_`/`_tmp_`/`#`. */
  modelName: string;
  /** The version name (not starting with `_`). @default the automatic `_v<N>` */
  version?: string | undefined;
  /**
   * The folder (its contents at the version root) or single file to upload; for `"hf"`, the repo
   * id `owner/name`; for `"s3"`, a prefix or key in the source bucket.
   */
  sourcePath: string;
  /** `"hf"` only: a token (`hf_...`) for private and gated repos. @default env HF_TOKEN */
  hfToken?: string | undefined;
  /** `"hf"` only: the Hub or a mirror. @default env HF_ENDPOINT, else https://huggingface.co */
  hfEndpoint?: string | undefined;
  /** `"hf"` only: a branch, tag or commit sha; the resolved sha is recorded as `hfCommit`. @default "main" */
  revision?: string | undefined;
  /** `"s3"` only: the source's endpoint. @default the registry's own endpoint (platform) */
  externalCephEndpointUrl?: string | undefined;
  /** `"s3"` only: the source bucket. @default the registry's own bucket (platform) */
  externalCephBucketName?: string | undefined;
  /** `"s3"` only: the source's access key. @default the registry's own keys (platform) */
  externalCephAccessKey?: string | undefined;
  /** `"s3"` only: the source's secret key. @default the registry's own keys (platform) */
  externalCephSecretKey?: string | undefined;
  /** `"hf"` only: keep only the repo files matching one of these fnmatch patterns. */
  include?: readonly string[] | undefined;
  /**
   * `"hf"`: drop the repo files matching one of these fnmatch patterns; `"s3"`: drop the objects
   * with one of these path segments (default `.git` and `.DS_Store`).
   */
  exclude?: readonly string[] | undefined;
  /** Tags added to the model's tags (ClearML model tags; the union is kept). */
  tags?: readonly string[] | undefined;
  /**
   * The model's category (`category` metadata), one of the Python SDK's values: "Text
   * Generation" or "Image Classification". @default the model's current category, if any
   */
  category?: string | undefined;
  /** A file stored as `model.py` at the version root; must exist. */
  codePath?: string | undefined;
  /** Stops the upload; what was uploaded is removed. */
  signal?: AbortSignal | undefined;
  /** Receives per-file and total progress. */
  onProgress?: TransferListener | undefined;
}

/**
 * Validates the options and opens the source; throws a {@link ValidationError}, or for `"hf"` the
 * Hub's typed errors (`NotFoundError`, `AuthenticationError`), before anything is written.
 */
async function openSource(
  options: AddModelOptions,
  modelName: string,
  objects: ObjectStore,
): Promise<ModelSource> {
  const type: unknown = options.sourceType;
  if (type !== "local" && type !== "hf" && type !== "s3") {
    throw new ValidationError("sourceType", `"local", "hf" or "s3"`);
  }
  if (typeof options.sourcePath !== "string" || options.sourcePath === "") {
    throw new ValidationError(
      "sourcePath",
      type === "hf"
        ? "a Hugging Face repo id"
        : type === "s3"
        ? "a key or prefix of the source bucket"
        : "the path of a folder or a file",
    );
  }
  if (options.codePath !== undefined) {
    const info = await stat(options.codePath).catch(() => undefined);
    if (!info?.isFile()) {
      throw new ValidationError("codePath", `an existing file (got ${options.codePath})`);
    }
  }
  if (type === "local") return await localSource(options.sourcePath);
  if (type === "s3") return await openS3Source(objects, options);
  return await hfSource({
    repo: options.sourcePath,
    modelName,
    revision: options.revision,
    hfToken: options.hfToken ?? envValue("HF_TOKEN"),
    hfEndpoint: options.hfEndpoint ?? envValue("HF_ENDPOINT"),
    include: options.include,
    exclude: options.exclude,
    signal: options.signal,
  });
}

/** An environment variable, or nothing where reading it is not allowed (Deno without --allow-env). */
function envValue(name: string): string | undefined {
  try {
    const value = process.env[name];
    return value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

/** What one file's upload is given: its transfer's slots, and how it may be sent. */
type UploadCall = Parameters<FileTask["run"]>[0] & { streamedPutLimit?: number };

/** The largest file sent as one streamed PutObject (see {@link streamedPutLimit}). */
const STREAMED_PUT_MAX = 256 * 1024 * 1024;

/**
 * The `streamedPutLimit` of one file of a transfer of `total` bytes: a file of at most a quarter
 * of the transfer (and 256 MiB) goes as one PutObject streamed from the disk, the other files
 * filling the other streams; radosgw spent 1.8 s less CPU storing 8 files of 128 MiB that way
 * than in 8 MiB parts. A larger file is cut into parts that run in parallel.
 */
function streamedPutLimit(size: number, total: number): number {
  return size <= STREAMED_PUT_MAX && size * 4 <= total ? size : 0;
}

/**
 * Stores one source file at `key`: a server-side copy when it has `copyFrom` and the store can
 * copy, else from its local file or its stream. Returns the bytes stored and their SHA-256 (a
 * server-side copy is hashed by reading the stored object back as a stream: the one case where
 * the bytes are read twice, to keep every file of a manifest hashed).
 */
export async function putSourceFile(
  objects: RegistryContext["backend"]["objects"],
  file: SourceFile,
  key: string,
  call: UploadCall,
): Promise<StoredFile> {
  if (file.open === undefined) return await objects.putFile(file.localPath, key, call);
  if (file.copyFrom !== undefined && objects.copyFromBucket !== undefined) {
    const copied = await objects.copyFromBucket(file.copyFrom.bucket, file.copyFrom.key, key, call);
    if (copied !== file.size) {
      throw new AipModelError(`Copied ${copied} bytes of ${file.relativePath}, not ${file.size}`);
    }
    if (objects.readStream === undefined) return { bytes: copied, sha256: "" };
    const read = await hashStream(await objects.readStream(key, { signal: call.signal }));
    if (read.size !== copied) {
      throw new AipModelError(`Read back ${read.size} bytes of ${key}, not ${copied}`);
    }
    return { bytes: copied, sha256: read.sha256 };
  }
  const stream = exactSize(await file.open(call.signal), file.size, file.relativePath);
  const stored = await objects.putStream(key, stream, file.size, call);
  if (stored.bytes !== file.size) {
    throw new AipModelError(
      `Stored ${stored.bytes} bytes of ${file.relativePath}, not ${file.size}`,
    );
  }
  return stored;
}

/** A file of the previous version that an unchanged local file can be copied from. */
interface Reusable {
  key: string;
  file: ManifestFile;
}

/**
 * The files of the model's latest version by path, with their keys, from its manifest (nothing
 * when it has none, e.g. written by the Python SDK).
 */
async function reusableFiles(
  objects: ObjectStore,
  entity: { metadata: Record<string, string> },
  map: ReturnType<typeof parseVersionsMap>,
  signal: AbortSignal | undefined,
): Promise<Map<string, Reusable>> {
  const latest = currentLatest(entity as Parameters<typeof currentLatest>[0], map);
  const info = latest === undefined ? undefined : map[latest];
  const reusable = new Map<string, Reusable>();
  if (info === undefined || typeof info.path !== "string") return reusable;
  const manifest = await readManifest(objects, info, signal).catch(() => undefined);
  for (const [path, file] of filesByPath(manifest)) {
    reusable.set(path, { key: `${info.path}${path}`, file });
  }
  return reusable;
}

/**
 * Uploads a local file, unless the previous version holds the same bytes under the same path:
 * then it is copied server-side. Deciding costs one read of the local file (to hash it), done
 * only when the path and size match; a failed copy (the previous version deleted meanwhile)
 * falls back to the upload.
 */
async function putOrReuse(
  context: RegistryContext,
  file: SourceFile,
  key: string,
  reusable: Reusable | undefined,
  call: UploadCall,
  counts: { copied: number },
): Promise<StoredFile> {
  const { objects } = context.backend;
  if (reusable !== undefined && file.localPath !== undefined && reusable.file.size === file.size) {
    const local = await hashLocalFile(file.localPath, call.signal);
    if (local?.sha256 === reusable.file.sha256 && local.size === file.size) {
      try {
        await objects.copy(reusable.key, key, { signal: call.signal });
        counts.copied += 1;
        call.onProgress({
          kind: "copy",
          bucket: objects.bucket,
          key,
          transferredBytes: file.size,
          totalBytes: file.size,
        });
        return { bytes: file.size, sha256: local.sha256 };
      } catch (error) {
        call.signal.throwIfAborted();
        logInfo(context, `Copying ${reusable.key} failed (${messageOf(error)}); uploading it`);
      }
    }
  }
  return await putSourceFile(objects, file, key, call);
}

/** Adds a version to a model (creating the model if needed); returns the model id. */
export async function addModel(
  context: RegistryContext,
  options: AddModelOptions,
): Promise<string> {
  const modelName = validateModelName(options.modelName);
  const version = options.version === undefined ? undefined : validateVersion(options.version);
  const tags = options.tags === undefined ? undefined : validateTags(options.tags);
  const category = options.category === undefined ? undefined : validateCategory(options.category);
  const source = await openSource(options, modelName, context.backend.objects);
  const { signal } = options;
  const { objects } = context.backend;
  let createdId: string | undefined;
  let uploaded: string | undefined;
  let writing = false;
  let reserved: { modelId: string; name: string } | undefined;
  let manifestKey: string | undefined;
  let dataBytes = 0;
  try {
    signal?.throwIfAborted();
    const { entity, created } = await findOrCreateModel(context, modelName, signal);
    if (created) createdId = entity.id;
    const map = parseVersionsMap(entity.metadata.versions_map);
    const staged = version !== undefined && map[version] !== undefined;
    const name = version ?? await reserveAutomaticVersion(context.backend, entity.id, signal);
    if (version === undefined) reserved = { modelId: entity.id, name };
    const prefix = staged
      ? `_models/${entity.id}/${name}_tmp_${randomName()}/`
      : versionPrefix(entity.id, name);
    uploaded = prefix;
    // A new version's folder is referenced by nobody yet: leftovers of a crashed call go.
    if (!staged) await objects.deletePrefix(prefix, { signal });
    const files = await source.files(signal);
    const previous = await reusableFiles(objects, entity, map, signal);
    const hashed: ManifestFile[] = [];
    const counts = { copied: 0 };
    const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
    const tasks: FileTask[] = files
      .filter((file) => !(options.codePath !== undefined && file.relativePath === "model.py"))
      .map((file) => ({
        name: file.relativePath,
        size: file.size,
        run: async (call) => {
          const key = prefix + file.relativePath;
          const stored = await putOrReuse(
            context,
            file,
            key,
            previous.get(file.relativePath),
            { ...call, streamedPutLimit: streamedPutLimit(file.size, totalBytes) },
            counts,
          );
          hashed.push({ path: file.relativePath, size: stored.bytes, sha256: stored.sha256 });
          // The version's size counts what was stored, without the code file (as Python).
          dataBytes += stored.bytes;
          return stored.bytes;
        },
      }));
    if (options.codePath !== undefined) {
      const codePath = options.codePath;
      tasks.push({
        name: "model.py",
        size: (await stat(codePath)).size,
        run: async (call) => {
          const stored = await objects.putFile(codePath, `${prefix}model.py`, call);
          hashed.push({ path: "model.py", size: stored.bytes, sha256: stored.sha256 });
          return stored.bytes;
        },
      });
    }
    await runTransfer("upload", tasks, options.onProgress, signal, tuningOf(context, options));
    if (counts.copied > 0) {
      logInfo(
        context,
        `${counts.copied} unchanged file(s) copied server-side from the last version`,
      );
    }
    signal?.throwIfAborted();
    let reference: ManifestReference | undefined;
    if (hashed.every((file) => file.sha256 !== "")) {
      reference = await writeManifest(objects, entity.id, name, hashed, signal);
      manifestKey = reference?.manifest;
    }
    const published = await publishVersion(context.backend, entity.id, {
      version: name,
      info: {
        path: prefix,
        size: bytesToMiB(dataBytes),
        created: createdStamp(),
        haveModelPy: options.codePath === undefined ? "false" : "true",
        folderName: source.folderName,
        ...source.versionFields,
        ...reference,
      },
      tags,
      category,
      signal,
      onWrite: () => {
        uploaded = undefined;
        createdId = undefined;
        reserved = undefined;
        manifestKey = undefined;
        writing = true;
      },
    });
    if (staged) await finishStaged(context, entity.id, published, prefix);
    if (reference !== undefined) {
      await dropOtherManifests(context, entity.id, published, reference.manifest);
    }
    logOk(context, `Model '${modelName}' version '${published}' added (id ${entity.id})`);
    return entity.id;
  } catch (error) {
    if (manifestKey !== undefined) {
      await objects.deleteKeys?.([manifestKey]).catch(() => {});
    }
    await rollback(context, uploaded, createdId, reserved);
    if (writing) {
      // The metadata write began: the version may be visible, so its objects were kept.
      throw new AipModelError(
        `addModel failed for model '${modelName}' while publishing; the version may be ` +
          `visible with its complete files: ${messageOf(error)}`,
        { cause: error },
      );
    }
    if (signal?.aborted) {
      throw new OperationAbortedError("addModel", {
        cause: signal.reason,
        detail: `nothing of model '${modelName}' was published and the uploads were removed`,
      });
    }
    if (error instanceof ValidationError) throw error;
    throw new AipModelError(
      `addModel failed for model '${modelName}'; nothing was published: ${messageOf(error)}`,
      { cause: error },
    );
  } finally {
    await source.dispose();
  }
}

/** The transfer knobs of one call: its own, else the manager's. */
export function tuningOf(context: RegistryContext, options: TransferTuning): TransferTuning {
  return {
    concurrency: options.concurrency ?? context.tuning?.concurrency,
    partSize: options.partSize ?? context.tuning?.partSize,
    memoryBudget: options.memoryBudget ?? context.tuning?.memoryBudget,
  };
}

/** Removes the manifests an overwritten version left (the published one stays); never throws. */
async function dropOtherManifests(
  context: RegistryContext,
  modelId: string,
  version: string,
  keep: string,
): Promise<void> {
  const { objects } = context.backend;
  if (objects.deleteKeys === undefined) return;
  try {
    const stale: string[] = [];
    for await (const entry of objects.list(manifestFolder(modelId, version))) {
      if (entry.key !== keep) stale.push(entry.key);
    }
    if (stale.length > 0) await objects.deleteKeys(stale);
  } catch (error) {
    logInfo(context, `Could not remove old manifests of '${version}': ${messageOf(error)}`);
  }
}

/** Removes what an unpublished call left; its own failures are not allowed to hide the cause. */
async function rollback(
  context: RegistryContext,
  uploaded: string | undefined,
  createdId: string | undefined,
  reserved: { modelId: string; name: string } | undefined,
): Promise<void> {
  try {
    // Before the model's deletion: it must not be deleted while a reservation names it.
    if (reserved !== undefined) {
      await releaseReservation(context.backend, reserved.modelId, reserved.name);
    }
  } catch (error) {
    context.logger.warn?.(
      `Could not release the reserved name ${reserved?.name}: ${messageOf(error)}`,
    );
  }
  try {
    if (uploaded !== undefined) await context.backend.objects.deletePrefix(uploaded);
  } catch (error) {
    context.logger.warn?.(`Could not remove the uploaded objects ${uploaded}: ${messageOf(error)}`);
  }
  try {
    if (createdId !== undefined) await deleteIfEmpty(context, createdId);
  } catch (error) {
    context.logger.warn?.(`Could not remove the new model ${createdId}: ${messageOf(error)}`);
  }
}

/** 10 characters from [a-z0-9], as the Python SDK's staging names. */
function randomName(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(10), (byte) => alphabet[byte % alphabet.length]).join("");
}
