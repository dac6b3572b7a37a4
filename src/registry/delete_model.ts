/**
 * `deleteModel`: one version or the whole model, metadata first, so that a failure never leaves
 * metadata pointing at deleted data (at worst, unreferenced objects remain).
 *
 * - One version: under the model's lock, drop it from `versions_map`, choose the new latest (the
 *   last in version order) if it was the latest, write the metadata and the uri; then delete its
 *   objects. The last version takes the whole-model path.
 * - Whole model: delete the metadata entity, then every object under `_models/{id}/`.
 *
 * @module
 */

import { AipModelError, NotFoundError, ValidationError } from "../errors.ts";
import { logOk, messageOf, type RegistryContext } from "./context.ts";
import { modelPrefix, sortedVersions, versionPrefix } from "./format.ts";
import { manifestFolder } from "./manifest.ts";
import { requireModel } from "./model_entity.ts";
import { updateVersions } from "./publish.ts";
import { validateExistingVersion } from "./validate.ts";

/** Options of `deleteModel`: a model by name or id, and optionally one version. */
export interface DeleteModelOptions {
  /** The model's name (or give `modelId`). */
  modelName?: string | undefined;
  /** The model's id (or give `modelName`). */
  modelId?: string | undefined;
  /** Only this version. @default the whole model */
  version?: string | undefined;
  /** Stops the call before it changes metadata. */
  signal?: AbortSignal | undefined;
}

/** Deletes a version or a whole model. */
export async function deleteModel(
  context: RegistryContext,
  options: DeleteModelOptions,
): Promise<void> {
  if (options.modelName === undefined && options.modelId === undefined) {
    throw new ValidationError("modelName", "a model name or a modelId");
  }
  const { signal } = options;
  const entity = await requireModel(context, options, signal);
  const { metadata } = context.backend;
  if (options.version !== undefined) {
    const version = validateExistingVersion(options.version);
    let deletedPath: string | undefined;
    let emptied = false;
    await updateVersions(context.backend, entity.id, (map, current) => {
      const info = map[version];
      if (!info) {
        throw new NotFoundError(
          "version",
          version,
          `Model '${entity.name}' has no version '${version}'`,
        );
      }
      deletedPath = String(info.path ?? "");
      delete map[version];
      const remaining = sortedVersions(map);
      if (remaining.length === 0) {
        emptied = true;
        return undefined;
      }
      const previous = current.metadata.latest_version;
      const latest = previous !== undefined && previous !== version && map[previous]
        ? previous
        : remaining.at(-1)!;
      return { latest, folderName: String(map[latest]?.folderName ?? "") };
    }, signal);
    if (!emptied) {
      // Only paths inside this model's folder are deleted, whatever the map said.
      const own = modelPrefix(entity.id);
      const prefixes = [versionPrefix(entity.id, version), manifestFolder(entity.id, version)];
      if (deletedPath?.startsWith(own) && deletedPath.length > own.length) {
        prefixes.push(deletedPath);
      }
      await deleteObjects(context, prefixes, `version '${version}' of '${entity.name}'`);
      logOk(context, `Version '${version}' of '${entity.name}' deleted`);
      return;
    }
  }
  await metadata.delete(entity.id, { signal });
  await deleteObjects(context, [modelPrefix(entity.id)], `model '${entity.name}'`);
  logOk(context, `Model '${entity.name}' (${entity.id}) deleted`);
}

/** Deletes objects whose metadata is already gone; a failure says that only data is left. */
async function deleteObjects(
  context: RegistryContext,
  prefixes: readonly string[],
  what: string,
): Promise<void> {
  for (const prefix of new Set(prefixes)) {
    try {
      await context.backend.objects.deletePrefix(prefix);
    } catch (error) {
      throw new AipModelError(
        `The ${what} was removed from the registry, but deleting its objects under ${prefix} ` +
          `failed (no version refers to them any more): ${messageOf(error)}`,
        { cause: error },
      );
    }
  }
}
