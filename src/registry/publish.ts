/**
 * The read-modify-write of `versions_map`, the one place where a version becomes visible or
 * disappears. It runs under the backend's per-model lock; the metadata is written before the uri
 * (both describe the same latest version once both are written). Writers that do not take the lock
 * (the Python SDK) can still clobber a write, so a publish reads the map back afterwards and
 * re-applies its entry, a bounded number of times.
 *
 * @module
 */

import { NotFoundError } from "../errors.ts";
import type { ModelEntity, RegistryBackend, TypedValue } from "./backend.ts";
import {
  automaticNumber,
  nextNumber,
  PENDING_KEY,
  readReservations,
  RESERVATION_TTL_MS,
  reservationsItem,
} from "./reservations.ts";
import {
  parseVersionsMap,
  PLACEHOLDER_URI,
  registryMetadata,
  sortedVersions,
  type VersionInfo,
  type VersionsMap,
  versionUri,
} from "./format.ts";

/** How long a publish may hold a model's lock before another process may take it over. */
export const LOCK_TTL_MS = 60_000;

/** How many times a publish re-applies an entry that another writer overwrote. */
const REAPPLY_ATTEMPTS = 3;

/** What a change of the map decided. */
export interface VersionsUpdate {
  /** The latest version afterwards (`undefined` when the map is empty). */
  latest: string | undefined;
  /** A new `modelFolderName`, when it changes. */
  folderName?: string | undefined;
  /** Other metadata keys written in the same call (e.g. the version reservations). */
  extra?: Record<string, TypedValue> | undefined;
  /** The model's tags afterwards, when they change. */
  tags?: readonly string[] | undefined;
}

/** The latest version recorded in an entity, if it is still in `map`. */
export function currentLatest(entity: ModelEntity, map: VersionsMap): string | undefined {
  const latest = entity.metadata.latest_version;
  if (latest !== undefined && map[latest] !== undefined) return latest;
  return sortedVersions(map).at(-1);
}

/**
 * Under the model's lock: reads the entity, lets `change` edit its map (it returns `undefined` to
 * write nothing), then writes the metadata and the uri of the latest version.
 */
export async function updateVersions(
  backend: RegistryBackend,
  modelId: string,
  change: (map: VersionsMap, entity: ModelEntity) => VersionsUpdate | undefined,
  signal?: AbortSignal,
  onWrite?: () => void,
): Promise<VersionsMap> {
  const held = await backend.metadata.lock(modelId, { ttlMs: LOCK_TTL_MS, signal });
  try {
    const entity = await backend.metadata.getById(modelId, { signal });
    if (!entity) throw new NotFoundError("model", modelId, `No model with id ${modelId}`);
    const map = parseVersionsMap(entity.metadata.versions_map);
    const update = change(map, entity);
    if (update === undefined) return map;
    const latestPath = update.latest === undefined ? undefined : map[update.latest]?.path;
    // Once writing starts it is not abortable: metadata and uri must describe the same latest.
    onWrite?.();
    await backend.metadata.setMetadata(modelId, {
      ...registryMetadata(map, update.latest, update.folderName),
      ...update.extra,
    });
    await dropEmptyReservations(backend, modelId, update.extra);
    if (update.tags !== undefined) await backend.metadata.setTags(modelId, update.tags);
    const uri = latestPath === undefined
      ? PLACEHOLDER_URI
      : versionUri(backend.objects.bucket, latestPath);
    await backend.metadata.setUri(modelId, uri);
    return map;
  } finally {
    await held.release();
  }
}

/**
 * A `versions_map` entry without its `version_number`; extra string fields (e.g. `hfCommit`)
 * are stored as given.
 */
export type NewVersionInfo =
  & Pick<VersionInfo, "path" | "size" | "created" | "haveModelPy" | "folderName">
  & { [extra: string]: unknown };

/** What {@link publishVersion} records. */
export interface PublishRequest {
  /** The version name (an automatic one was reserved before the upload). */
  version: string;
  /** The entry, without `version_number` (kept on overwrite, else the next number). */
  info: NewVersionInfo;
  /** Tags added to the model's (the union is kept, as the Python SDK 0.2.58+). */
  tags?: readonly string[] | undefined;
  /** The model's `category` metadata (kept when omitted). */
  category?: string | undefined;
  /** Stops the publish before it writes. */
  signal?: AbortSignal | undefined;
  /**
   * Called when the first metadata write starts: from then on the version may be visible, and
   * a caller must not delete its objects whatever happens next.
   */
  onWrite?: (() => void) | undefined;
}

/**
 * Makes a version visible as the latest, and checks that it stayed: returns its name. The entry's
 * `folderName` becomes the model's `modelFolderName`.
 */
export async function publishVersion(
  backend: RegistryBackend,
  modelId: string,
  request: PublishRequest,
): Promise<string> {
  const { version } = request;
  const apply = (map: VersionsMap, entity: ModelEntity): VersionsUpdate => {
    const reservations = readReservations(entity.metadata[PENDING_KEY], Date.now());
    const reserved = version in reservations ? automaticNumber(version) : undefined;
    const number = map[version]?.version_number ?? reserved ?? nextNumber(map, reservations);
    map[version] = { ...request.info, version_number: number };
    const update: VersionsUpdate = { latest: version, folderName: request.info.folderName };
    if (version in reservations) {
      delete reservations[version];
      update.extra = reservationsItem(reservations);
    }
    if (request.category !== undefined) {
      update.extra = { ...update.extra, category: { type: "str", value: request.category } };
    }
    const added = request.tags?.filter((tag) => !entity.tags.includes(tag)) ?? [];
    if (added.length > 0) update.tags = [...new Set([...entity.tags, ...added])].sort();
    return update;
  };
  await updateVersions(backend, modelId, apply, request.signal, request.onWrite);
  for (let attempt = 0; attempt < REAPPLY_ATTEMPTS; attempt++) {
    const entity = await backend.metadata.getById(modelId);
    const map = parseVersionsMap(entity?.metadata.versions_map);
    if (map[version]?.path === request.info.path) return version;
    await updateVersions(backend, modelId, apply);
  }
  return version;
}

/**
 * Moves a version's entry from `fromPath` to `toPath` (after its objects were copied), unless
 * another writer changed the entry meanwhile.
 */
export async function repointVersion(
  backend: RegistryBackend,
  modelId: string,
  version: string,
  fromPath: string,
  toPath: string,
): Promise<boolean> {
  let moved = false;
  await updateVersions(backend, modelId, (map, entity) => {
    const info = map[version];
    if (info?.path !== fromPath) return undefined;
    info.path = toPath;
    moved = true;
    return { latest: currentLatest(entity, map) };
  });
  return moved;
}

/** Runs `change` on the model's live reservations under its lock, writing them if changed. */
async function withReservations<T>(
  backend: RegistryBackend,
  modelId: string,
  change: (map: VersionsMap, reservations: Record<string, number>) => T,
  signal?: AbortSignal,
): Promise<T> {
  const held = await backend.metadata.lock(modelId, { ttlMs: LOCK_TTL_MS, signal });
  try {
    const entity = await backend.metadata.getById(modelId, { signal });
    if (!entity) throw new NotFoundError("model", modelId, `No model with id ${modelId}`);
    const reservations = readReservations(entity.metadata[PENDING_KEY], Date.now());
    const before = JSON.stringify(reservations);
    const result = change(parseVersionsMap(entity.metadata.versions_map), reservations);
    if (JSON.stringify(reservations) !== before) {
      const item = reservationsItem(reservations);
      await backend.metadata.setMetadata(modelId, item, { signal });
      await dropEmptyReservations(backend, modelId, item);
    }
    return result;
  } finally {
    await held.release();
  }
}

/**
 * Chooses the next automatic `_v<N>` under the model's lock and reserves it, so that the upload
 * can go straight into its folder: no other process picks the same name meanwhile.
 */
export function reserveAutomaticVersion(
  backend: RegistryBackend,
  modelId: string,
  signal?: AbortSignal,
): Promise<string> {
  return withReservations(backend, modelId, (map, reservations) => {
    const name = `_v${nextNumber(map, reservations)}`;
    reservations[name] = Date.now() + RESERVATION_TTL_MS;
    return name;
  }, signal);
}

/** Gives a reserved name up (an upload that failed); never throws for a missing model. */
export async function releaseReservation(
  backend: RegistryBackend,
  modelId: string,
  name: string,
): Promise<void> {
  try {
    await withReservations(backend, modelId, (_map, reservations) => {
      delete reservations[name];
    });
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}

/** Removes the reservations key once it holds none, so that only the Python SDK's keys stay. */
async function dropEmptyReservations(
  backend: RegistryBackend,
  modelId: string,
  written: Record<string, TypedValue> | undefined,
): Promise<void> {
  if (written?.[PENDING_KEY]?.value === "{}") {
    await backend.metadata.deleteMetadata(modelId, [PENDING_KEY]);
  }
}
