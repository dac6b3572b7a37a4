/**
 * `getModelInfo`: one model's metadata as a typed object.
 *
 * @module
 */

import { NotFoundError } from "../errors.ts";
import type { BackendCallOptions, ModelEntity } from "./backend.ts";
import { logInfo, type RegistryContext } from "./context.ts";
import { parseVersionsMap, sortedVersions } from "./format.ts";
import { findModel } from "./model_entity.ts";
import { currentLatest } from "./publish.ts";
import { isModelId } from "./validate.ts";

/** One version in {@link ModelInfo}. */
export interface ModelVersionInfo {
  /** The version name. */
  name: string;
  /** The key prefix of its objects. */
  path: string;
  /** Its size in MiB. */
  sizeMb: number;
  /** Local time `YYYY-MM-DD HH:MM:SS`. */
  created: string;
  /** Whether `model.py` is at its root. */
  haveModelPy: boolean;
  /** The folder name recorded for it. */
  folderName: string;
  /** Its number (0.2.58+ maps), `null` when absent. */
  versionNumber: number | null;
}

/** What {@link getModelInfo} returns. */
export interface ModelInfo {
  /** The model id. */
  id: string;
  /** The model name. */
  name: string;
  /** Every version, oldest first. */
  versions: ModelVersionInfo[];
  /** The latest version, `null` before the first one. */
  latest: string | null;
  /** The size of every version together, in MiB. */
  totalSizeMb: number;
  /** How many versions there are. */
  versionCount: number;
  /** Whether the latest version has `model.py`. */
  haveModelPy: boolean;
  /** `modelFolderName`, `null` when unset. */
  modelFolderName: string | null;
  /** `s3://{bucket}/_models/{id}/{latest}/`, or the placeholder. */
  uri: string;
  /** The tags. */
  tags: string[];
  /** The `category` metadata ("Text Generation", "Image Classification"), `null` when unset. */
  category: string | null;
  /** When the entity was created (ISO 8601). */
  created: string;
  /** Every metadata value as stored. */
  metadata: Record<string, string>;
}

/** The info of a model, by exact name or else by 32-hex id. */
export async function getModelInfo(
  context: RegistryContext,
  nameOrId: string,
  options: BackendCallOptions = {},
): Promise<ModelInfo> {
  let entity = await findModel(context, nameOrId, options.signal);
  if (!entity && isModelId(nameOrId)) {
    entity = await context.backend.metadata.getById(nameOrId.toLowerCase(), options) ?? undefined;
  }
  if (!entity) {
    throw new NotFoundError("model", nameOrId, `No model named or with id '${nameOrId}'`);
  }
  const info = toModelInfo(entity);
  logInfo(
    context,
    `Model '${info.name}' (${info.id}): ${info.versionCount} version(s), latest ` +
      `${info.latest ?? "none"}, ${info.totalSizeMb.toFixed(2)} MB`,
  );
  return info;
}

/** Builds the typed view of an entity. */
export function toModelInfo(entity: ModelEntity): ModelInfo {
  const map = parseVersionsMap(entity.metadata.versions_map);
  const versions = sortedVersions(map).map((name): ModelVersionInfo => {
    const info = map[name]!;
    const number = Number(info.version_number);
    return {
      name,
      path: String(info.path ?? ""),
      sizeMb: Number(info.size) || 0,
      created: String(info.created ?? ""),
      haveModelPy: info.haveModelPy === "true",
      folderName: String(info.folderName ?? ""),
      versionNumber: info.version_number !== undefined && Number.isInteger(number) ? number : null,
    };
  });
  const size = Number(entity.metadata.modelSize);
  return {
    id: entity.id,
    name: entity.name,
    versions,
    latest: currentLatest(entity, map) ?? null,
    totalSizeMb: Number.isFinite(size)
      ? size
      : versions.reduce((sum, version) => sum + version.sizeMb, 0),
    versionCount: versions.length,
    haveModelPy: entity.metadata.haveModelPy === "true",
    modelFolderName: entity.metadata.modelFolderName ?? null,
    uri: entity.uri,
    tags: [...entity.tags],
    category: entity.metadata.category ?? null,
    created: entity.created,
    metadata: { ...entity.metadata },
  };
}
