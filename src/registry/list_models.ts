/**
 * `listModels`: every model of the user, every version name.
 *
 * @module
 */

import type { BackendCallOptions } from "./backend.ts";
import { logInfo, type RegistryContext } from "./context.ts";
import { parseVersionsMap, sortedVersions } from "./format.ts";
import { currentLatest } from "./publish.ts";

/** One model in {@link listModels}' answer. */
export interface ModelSummary {
  /** The model's name. */
  name: string;
  /** Its id (32 hex characters). */
  id: string;
  /** Every version name, oldest first (the Python SDK 0.2.58+ order). */
  versions: string[];
  /** The latest version, `null` before the first one. */
  latest: string | null;
  /** The size of every version together, in MiB. */
  totalSizeMb: number;
  /** The model's tags, sorted. */
  tags: string[];
}

/** Lists every model, all pages. */
export async function listModels(
  context: RegistryContext,
  options: BackendCallOptions = {},
): Promise<ModelSummary[]> {
  const models: ModelSummary[] = [];
  for await (const entity of context.backend.metadata.list(options)) {
    const map = parseVersionsMap(entity.metadata.versions_map);
    const size = Number(entity.metadata.modelSize);
    models.push({
      name: entity.name,
      id: entity.id,
      versions: sortedVersions(map),
      latest: currentLatest(entity, map) ?? null,
      tags: [...entity.tags],
      totalSizeMb: Number.isFinite(size)
        ? size
        : Object.values(map).reduce((sum, info) => sum + (Number(info.size) || 0), 0),
    });
  }
  for (const model of models) {
    logInfo(
      context,
      `${model.name} (${model.id}): versions [${model.versions.join(", ")}], latest ` +
        `${model.latest ?? "none"}, ${model.totalSizeMb.toFixed(2)} MB`,
    );
  }
  return models;
}
