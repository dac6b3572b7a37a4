/**
 * `getModel`: downloads a version (or the latest) into `{localDest}/{version}/...`. Every stored
 * key is checked before anything is written: a key whose relative part could escape the
 * destination fails the whole call. Each file lands through a temporary file renamed when
 * complete, so an existing file is replaced atomically.
 *
 * @module
 */

import { mkdir, stat } from "node:fs/promises";
import { NotFoundError, ValidationError } from "../errors.ts";
import { logOk, type RegistryContext } from "./context.ts";
import { parseVersionsMap } from "./format.ts";
import { requireModel } from "./model_entity.ts";
import { insideRoot, isExcluded, safeSegments } from "./paths.ts";
import type { TransferListener } from "./progress.ts";
import { type FileTask, runTransfer } from "./transfer.ts";
import { validateModelName } from "./validate.ts";

/** Options of `getModel`. */
export interface GetModelOptions {
  /** The model's name. */
  modelName: string;
  /** The version. @default the latest version */
  version?: string | undefined;
  /** The folder the version's folder is created in. */
  localDest: string;
  /** Stops the download. */
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
  /** Files written. */
  files: number;
  /** Bytes written. */
  bytes: number;
}

/** Downloads a version of a model. */
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
  const entity = await requireModel(context, { modelName }, signal);
  const map = parseVersionsMap(entity.metadata.versions_map);
  let version = options.version;
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
  const prefix = path.endsWith("/") ? path : `${path}/`;
  const root = insideRoot(options.localDest, safeSegments(version));
  const tasks: FileTask[] = [];
  for await (const entry of context.backend.objects.list(prefix, { signal })) {
    const segments = safeSegments(entry.key.slice(prefix.length));
    if (isExcluded(segments)) continue;
    const destination = insideRoot(root, segments);
    tasks.push({
      name: segments.join("/"),
      size: entry.size,
      run: (call) => context.backend.objects.getFile(entry.key, destination, call),
    });
  }
  if (tasks.length === 0) {
    throw new NotFoundError("object", prefix, `No files under ${prefix} for '${modelName}'`);
  }
  await mkdir(root, { recursive: true }).catch((error: unknown) => {
    throw new ValidationError("localDest", `a folder in which ${root} can be created`, {
      cause: error,
    });
  });
  const bytes = await runTransfer("download", tasks, options.onProgress, signal);
  logOk(context, `Model '${modelName}' version '${version}' downloaded to ${root}`);
  return { version, path: root, files: tasks.length, bytes };
}

/** The key prefix of `s3://{bucket}/{path}`, or `undefined` for another bucket or a placeholder. */
function pathFromUri(uri: string, bucket: string): string | undefined {
  const start = `s3://${bucket}/`;
  if (!uri.startsWith(start)) return undefined;
  const path = uri.slice(start.length);
  return path === "" ? undefined : path;
}
