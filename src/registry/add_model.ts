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
import { logOk, messageOf, type RegistryContext } from "./context.ts";
import { bytesToMiB, createdStamp, parseVersionsMap, versionPrefix } from "./format.ts";
import { deleteIfEmpty, findOrCreateModel } from "./model_entity.ts";
import type { TransferListener } from "./progress.ts";
import { publishVersion, releaseReservation, reserveAutomaticVersion } from "./publish.ts";
import { exactSize } from "./sized_stream.ts";
import { localSource, type ModelSource, type SourceFile } from "./source.ts";
import { hfSource } from "../sources/hf.ts";
import { openS3Source } from "./s3_source.ts";
import type { ObjectStore } from "./backend.ts";
import { finishStaged } from "./staging.ts";
import { type FileTask, runTransfer } from "./transfer.ts";
import { validateCategory, validateModelName, validateTags, validateVersion } from "./validate.ts";

/** Where a version's files come from. */
export type SourceType = "local" | "hf" | "s3";

/** Options of `addModel`. */
export interface AddModelOptions {
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

/**
 * Stores one source file at `key`: a server-side copy when it has `copyFrom` and the store can
 * copy, else from its local file or its stream. Returns the bytes stored.
 */
export async function putSourceFile(
  objects: RegistryContext["backend"]["objects"],
  file: SourceFile,
  key: string,
  call: Parameters<FileTask["run"]>[0],
): Promise<number> {
  if (file.open === undefined) return await objects.putFile(file.localPath, key, call);
  if (file.copyFrom !== undefined && objects.copyFromBucket !== undefined) {
    const copied = await objects.copyFromBucket(file.copyFrom.bucket, file.copyFrom.key, key, call);
    if (copied !== file.size) {
      throw new AipModelError(`Copied ${copied} bytes of ${file.relativePath}, not ${file.size}`);
    }
    return copied;
  }
  const stream = exactSize(await file.open(call.signal), file.size, file.relativePath);
  const stored = await objects.putStream(key, stream, file.size, call);
  if (stored !== file.size) {
    throw new AipModelError(`Stored ${stored} bytes of ${file.relativePath}, not ${file.size}`);
  }
  return stored;
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
    const tasks: FileTask[] = files
      .filter((file) => !(options.codePath !== undefined && file.relativePath === "model.py"))
      .map((file) => ({
        name: file.relativePath,
        size: file.size,
        run: async (call) => {
          const stored = await putSourceFile(objects, file, prefix + file.relativePath, call);
          // The version's size counts what was stored, without the code file (as Python).
          dataBytes += stored;
          return stored;
        },
      }));
    if (options.codePath !== undefined) {
      const codePath = options.codePath;
      tasks.push({
        name: "model.py",
        size: (await stat(codePath)).size,
        run: (call) => objects.putFile(codePath, `${prefix}model.py`, call),
      });
    }
    await runTransfer("upload", tasks, options.onProgress, signal);
    signal?.throwIfAborted();
    const published = await publishVersion(context.backend, entity.id, {
      version: name,
      info: {
        path: prefix,
        size: bytesToMiB(dataBytes),
        created: createdStamp(),
        haveModelPy: options.codePath === undefined ? "false" : "true",
        folderName: source.folderName,
        ...source.versionFields,
      },
      tags,
      category,
      signal,
      onWrite: () => {
        uploaded = undefined;
        createdId = undefined;
        reserved = undefined;
        writing = true;
      },
    });
    if (staged) await finishStaged(context, entity.id, published, prefix);
    logOk(context, `Model '${modelName}' version '${published}' added (id ${entity.id})`);
    return entity.id;
  } catch (error) {
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
