/**
 * Finding the model entity an operation works on, and creating it for a first version so that two
 * processes creating the same name at once end with one model.
 *
 * @module
 */

import { NotFoundError, ValidationError } from "../errors.ts";
import type { ModelEntity } from "./backend.ts";
import type { RegistryContext } from "./context.ts";
import { LOCK_TTL_MS } from "./publish.ts";
import { parseVersionsMap, PLACEHOLDER_URI } from "./format.ts";
import { isModelId } from "./validate.ts";

/** The model named exactly `name` (the oldest when ClearML holds several), or `undefined`. */
export async function findModel(
  context: RegistryContext,
  name: string,
  signal?: AbortSignal,
): Promise<ModelEntity | undefined> {
  const found = await context.backend.metadata.findByName(name, { signal });
  return found[0];
}

/** The model of a name or an id; a {@link NotFoundError} when there is none. */
export async function requireModel(
  context: RegistryContext,
  target: { modelName?: string | undefined; modelId?: string | undefined },
  signal?: AbortSignal,
): Promise<ModelEntity> {
  if (target.modelId !== undefined) {
    if (!isModelId(target.modelId)) {
      throw new ValidationError("modelId", "32 hexadecimal characters");
    }
    const entity = await context.backend.metadata.getById(target.modelId.toLowerCase(), { signal });
    if (!entity) {
      throw new NotFoundError("model", target.modelId, `No model with id ${target.modelId}`);
    }
    return entity;
  }
  if (target.modelName === undefined) {
    throw new ValidationError("modelName", "a model name or a modelId");
  }
  const entity = await findModel(context, target.modelName, signal);
  if (!entity) {
    throw new NotFoundError("model", target.modelName, `No model named '${target.modelName}'`);
  }
  return entity;
}

/**
 * The model named `name`, created (uri {@link PLACEHOLDER_URI}) when missing. After creating, the
 * name is looked up again: when another process created the same name at the same time, the
 * oldest entity survives, and the newer one is deleted by the process that created it.
 */
export async function findOrCreateModel(
  context: RegistryContext,
  name: string,
  signal?: AbortSignal,
): Promise<{ entity: ModelEntity; created: boolean }> {
  const existing = await findModel(context, name, signal);
  if (existing) return { entity: existing, created: false };
  const metadata = context.backend.metadata;
  const id = await metadata.create(name, PLACEHOLDER_URI, { signal });
  const oldest = await findModel(context, name).catch(async (error: unknown) => {
    await metadata.delete(id).catch(() => false);
    throw error;
  });
  if (oldest && oldest.id !== id) {
    await metadata.delete(id);
    return { entity: oldest, created: false };
  }
  const entity = oldest ?? await metadata.getById(id);
  if (!entity) throw new NotFoundError("model", id, `The model ${name} vanished after creation`);
  return { entity, created: true };
}

/**
 * Deletes a model entity this call created, unless a version was published into it meanwhile
 * (by another process that found it by name). Returns whether it was deleted.
 */
export async function deleteIfEmpty(context: RegistryContext, modelId: string): Promise<boolean> {
  const metadata = context.backend.metadata;
  const held = await metadata.lock(modelId, { ttlMs: LOCK_TTL_MS });
  try {
    const entity = await metadata.getById(modelId);
    if (!entity) return false;
    if (Object.keys(parseVersionsMap(entity.metadata.versions_map)).length > 0) return false;
    return await metadata.delete(modelId);
  } finally {
    await held.release();
  }
}
