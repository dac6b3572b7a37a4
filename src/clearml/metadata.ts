/**
 * Model metadata in its three shapes: what callers give (a plain record or typed items), what
 * ClearML takes (a map on `models.create`/`edit`, a list on `models.add_or_update_metadata`) and
 * what it returns (a map since API 2.17, a list before).
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { MetadataInput, MetadataItem } from "./types.ts";

/**
 * Turns metadata input into checked items. A plain record gets type `str`. Keys are trimmed (the
 * server strips them too); an empty key, a non-string value or a key given twice is refused.
 *
 * @example
 * ```ts
 * import { toMetadataItems } from "./metadata.ts";
 * const items = toMetadataItems({ latest_version: "v1" });
 * console.assert(items[0]?.type === "str" && items[0]?.value === "v1");
 * ```
 */
export function toMetadataItems(input: MetadataInput): MetadataItem[] {
  const given: MetadataItem[] = isItemList(input)
    ? input.map((item) => ({ ...item }))
    : Object.entries(input).map(([key, value]) => ({ key, type: "str", value }));
  const seen = new Set<string>();
  return given.map((item) => {
    const key = typeof item.key === "string" ? item.key.trim() : "";
    if (key === "") throw new ValidationError("metadata", "every key must be a non-empty string");
    if (seen.has(key)) throw new ValidationError("metadata", `key "${key}" is given twice`);
    seen.add(key);
    if (typeof item.value !== "string") {
      throw new ValidationError("metadata", `the value of "${key}" must be a string`);
    }
    if (typeof item.type !== "string") {
      throw new ValidationError("metadata", `the type of "${key}" must be a string`);
    }
    return { key, type: item.type, value: item.value };
  });
}

/**
 * The map form ClearML takes on `models.create`, `models.edit` and `models.update`.
 *
 * @example
 * ```ts
 * import { toMetadataMap } from "./metadata.ts";
 * const map = toMetadataMap([{ key: "acc", type: "float", value: "0.93" }]);
 * console.assert(map.acc?.value === "0.93");
 * ```
 */
export function toMetadataMap(items: readonly MetadataItem[]): Record<string, MetadataItem> {
  const map: Record<string, MetadataItem> = {};
  for (const item of items) map[item.key] = { key: item.key, type: item.type, value: item.value };
  return map;
}

/**
 * A model's metadata as typed items keyed by key, whichever form the server returned (a map
 * since API 2.17, a list before). In a map the map key wins over `item.key`, as on the server;
 * list entries without a key are skipped; a non-string value is turned into a string.
 *
 * @example
 * ```ts
 * import { metadataItems } from "./metadata.ts";
 * const model = { id: "m", metadata: [{ key: "a", type: "int", value: "1" }] };
 * const items = metadataItems(model);
 * console.assert(items.a?.type === "int");
 * ```
 */
export function metadataItems(
  model: { readonly metadata?: unknown },
): Record<string, MetadataItem> {
  const raw: unknown = model.metadata;
  const result: Record<string, MetadataItem> = {};
  const entries: [string | undefined, unknown][] = Array.isArray(raw)
    ? raw.map((item) => [undefined, item])
    : typeof raw === "object" && raw !== null
    ? Object.entries(raw)
    : [];
  for (const [mapKey, entry] of entries) {
    if (typeof entry !== "object" || entry === null) continue;
    const { key, type, value } = entry as Partial<Record<keyof MetadataItem, unknown>>;
    // In the map form the map key is what the server indexes by (it may differ from item.key).
    const name = mapKey ?? (typeof key === "string" && key !== "" ? key : undefined);
    if (name === undefined) continue;
    result[name] = {
      key: name,
      type: typeof type === "string" ? type : "str",
      value: typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value),
    };
  }
  return result;
}

/**
 * A model's metadata values keyed by key, e.g. `{ latest_version: "v1" }`.
 *
 * @example
 * ```ts
 * import { metadataValues } from "./metadata.ts";
 * const model = { id: "m", metadata: { acc: { key: "acc", type: "float", value: "0.93" } } };
 * console.assert(metadataValues(model).acc === "0.93");
 * ```
 */
export function metadataValues(model: { readonly metadata?: unknown }): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, item] of Object.entries(metadataItems(model))) values[key] = item.value;
  return values;
}

function isItemList(input: MetadataInput): input is readonly MetadataItem[] {
  return Array.isArray(input);
}
