/**
 * The storage format shared with the Python `aipmodel` SDK (0.2.57 to 0.2.59): the object layout,
 * the metadata keys and the exact text of each value. Everything written here is read by the
 * Python SDK and the reverse.
 *
 * - Objects of a version live under `_models/{modelId}/{version}/`; `model.py` (the code file)
 *   sits at the root of the version; hf sources add `hf_{modelName}/`, s3 sources
 *   `<last segment of the source path>/`.
 * - The model's uri is `s3://{bucket}/_models/{modelId}/{latest}/`.
 * - Metadata values are strings: `versions_map` (Python `json.dumps` text), `latest_version`,
 *   `modelSize` (MiB of all versions, two decimals), `modelFolderName`, `haveModelPy`
 *   ("true"/"false"), `version_count`.
 *
 * @module
 */

import { pythonFixed2, PythonFloat, pythonJsonDumps, type PythonJsonValue } from "./python_json.ts";
import type { TypedValue } from "./backend.ts";

/** The uri of a model entity before its first version is published (as the Python SDK). */
export const PLACEHOLDER_URI = "s3://placeholder";

/** One entry of `versions_map`. */
export interface VersionInfo {
  /** `_models/{modelId}/{version}/`. */
  path: string;
  /** The size in MiB (unrounded). */
  size: number;
  /** Local time `YYYY-MM-DD HH:MM:SS`, as the Python SDK writes it. */
  created: string;
  /** "true" when `model.py` is at the root of the version. */
  haveModelPy: "true" | "false";
  /** The folder name recorded for the version (`hf_{name}`, the source's last segment...). */
  folderName: string;
  /** 1 + the highest number before it (0.2.58+); absent in maps written by 0.2.57. */
  version_number?: number;
  /** Any other field a writer added; kept as read. */
  [extra: string]: unknown;
}

/** `versions_map`: version name → its entry, in insertion order. */
export type VersionsMap = Record<string, VersionInfo>;

/** The prefix of every object of a model. */
export function modelPrefix(modelId: string): string {
  return `_models/${modelId}/`;
}

/** The prefix of one version's objects. */
export function versionPrefix(modelId: string, version: string): string {
  return `_models/${modelId}/${version}/`;
}

/** The uri of a version: `s3://{bucket}/{path}`. */
export function versionUri(bucket: string, path: string): string {
  return `s3://${bucket}/${path}`;
}

/** Bytes to the MiB figure the Python SDK records. */
export function bytesToMiB(bytes: number): number {
  return bytes / (1024 * 1024);
}

/** The `created` stamp: local time `YYYY-MM-DD HH:MM:SS` (Python's `time.strftime`). */
export function createdStamp(date: Date = new Date()): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Keys the Python SDK strips from the map (left by an old bug that mixed in an item wrapper). */
const WRAPPER_KEYS = new Set(["key", "value", "type"]);

/**
 * Reads a `versions_map` value. Unparseable text gives an empty map (as the Python SDK);
 * entries that are not objects and the wrapper keys `key`/`value`/`type` are dropped.
 */
export function parseVersionsMap(text: string | undefined): VersionsMap {
  if (text === undefined || text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
  const map: VersionsMap = {};
  for (const [version, info] of Object.entries(parsed)) {
    if (WRAPPER_KEYS.has(version)) continue;
    if (info === null || typeof info !== "object" || Array.isArray(info)) continue;
    map[version] = info as VersionInfo;
  }
  return map;
}

/** Writes `versions_map` exactly as the Python SDK's `json.dumps` does. */
export function serializeVersionsMap(map: VersionsMap): string {
  const out: Record<string, PythonJsonValue> = {};
  for (const [version, info] of Object.entries(map)) {
    const entry: Record<string, PythonJsonValue> = {};
    for (const [field, value] of Object.entries(info)) {
      if (value === undefined) continue;
      // Python holds sizes as floats (2.0, not 2) whatever their value.
      entry[field] = field === "size" && typeof value === "number"
        ? new PythonFloat(value)
        : value as PythonJsonValue;
    }
    out[version] = entry;
  }
  return pythonJsonDumps(out);
}

/** The total size in MiB of every version, as `modelSize` holds it ("123.45"). */
export function modelSizeText(map: VersionsMap): string {
  let total = 0;
  for (const info of Object.values(map)) {
    const size = Number(info.size);
    if (Number.isFinite(size)) total += size;
  }
  return pythonFixed2(total);
}

/**
 * The sort key of the Python SDK 0.2.58+: versions with a `version_number` by that number, then
 * `v<digits>` by the digits, then the rest by name; the last in this order is the newest.
 */
export function compareVersions(map: VersionsMap, a: string, b: string): number {
  const rank = (version: string): [number, number, string] => {
    const number = Number(map[version]?.version_number);
    if (map[version]?.version_number !== undefined && Number.isInteger(number)) {
      return [0, number, ""];
    }
    const match = /^v(\d+)$/.exec(version);
    if (match) return [1, Number(match[1]), ""];
    return [2, 0, version];
  };
  const [groupA, numberA, nameA] = rank(a);
  const [groupB, numberB, nameB] = rank(b);
  if (groupA !== groupB) return groupA - groupB;
  if (numberA !== numberB) return numberA - numberB;
  return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

/** The version names, oldest first, in the Python SDK's order. */
export function sortedVersions(map: VersionsMap): string[] {
  return Object.keys(map).sort((a, b) => compareVersions(map, a, b));
}

/** 1 + the highest `version_number` in the map (the number a new version gets). */
export function nextVersionNumber(map: VersionsMap): number {
  let highest = 0;
  for (const info of Object.values(map)) {
    const number = Number(info.version_number);
    if (Number.isInteger(number) && number > highest) highest = number;
  }
  return highest + 1;
}

/**
 * The metadata items the Python SDK writes after a change of `versions_map`, for the given latest
 * version (`modelFolderName` only when a version was added: set_latest_version leaves it).
 */
export function registryMetadata(
  map: VersionsMap,
  latest: string | undefined,
  folderName?: string,
): Record<string, TypedValue> {
  const latestInfo = latest === undefined ? undefined : map[latest];
  const items: Record<string, TypedValue> = {
    versions_map: { type: "str", value: serializeVersionsMap(map) },
    latest_version: { type: "str", value: latest ?? "N/A" },
    modelSize: { type: "float", value: modelSizeText(map) },
    haveModelPy: { type: "str", value: latestInfo?.haveModelPy === "true" ? "true" : "false" },
    version_count: { type: "int", value: String(Object.keys(map).length) },
  };
  if (folderName !== undefined) items.modelFolderName = { type: "str", value: folderName };
  return items;
}
