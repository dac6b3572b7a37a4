/**
 * `gc`: finds, and removes, the stored data no version refers to: what failed calls could not
 * clean up (S3 down during a rollback, a killed process) and what the Python SDK leaves behind.
 *
 * An orphan is one of:
 * - `staging`: a `_models/{id}/{version}_tmp_{rand}/` folder no `versions_map` entry points at;
 * - `version`: any other folder `_models/{id}/{name}/` of one of the user's models that neither
 *   `versions_map`, the model's uri, nor a live reservation (`aipmodel_pending_versions`: an
 *   automatic version being uploaded) names;
 * - `object`: an object directly under `_models/{id}/` of one of the user's models;
 * - `model`: the folder `_models/{id}/` of a model id that no longer exists at all;
 * - `upload`: an unfinished upload (an S3 multipart upload, a temporary file of the embedded
 *   registry) under `_models/`.
 *
 * What is never touched: data that was written to less than `olderThanMs` ago (an upload in
 * flight, by this SDK or the Python one, keeps writing; its folder is not referenced yet), a
 * model whose `versions_map` cannot be read (nothing can be known about it), folders of models
 * that belong to another ClearML project (the bucket may be shared), and anything outside
 * `_models/{32 hex}/`. Before each removal the model and the folder are read again, and the
 * orphan is skipped when either changed.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { PlatformBackend } from "../platform/backend.ts";
import type {
  BackendCallOptions,
  ObjectEntry,
  RegistryBackend,
  UnfinishedUpload,
} from "./backend.ts";
import { logOk, messageOf, type RegistryContext } from "./context.ts";
import { modelPrefix, versionPrefix } from "./format.ts";
import { PENDING_KEY, readReservations } from "./reservations.ts";

/** The root of the registry's keys. */
const MODELS = "_models/";

/** What an orphan is; see the module documentation. */
export type OrphanKind = "staging" | "version" | "object" | "model" | "upload";

/** Options of `gc`. */
export interface GcOptions {
  /** Only list the orphans; remove nothing. @default false */
  dryRun?: boolean | undefined;
  /**
   * Data written less than this many milliseconds ago is never an orphan: uploads in flight
   * are not referenced yet. Lower it only when no upload can be running.
   * @default 3600000 (one hour)
   */
  olderThanMs?: number | undefined;
  /** Only look at these models' folders (ids, including ids of deleted models). @default every folder under `_models/` */
  modelIds?: readonly string[] | undefined;
  /** Stops the listing and the removals (what was removed stays removed). */
  signal?: AbortSignal | undefined;
}

/** One orphan found by `gc`. */
export interface Orphan {
  /** What it is. */
  kind: OrphanKind;
  /** The model id in its path. */
  modelId: string;
  /** The folder (ending with `/`), or the key of an `object` or an `upload`. */
  prefix: string;
  /** The S3 upload id (or temporary file name) of an `upload`. */
  uploadId?: string | undefined;
  /** How many objects it holds (an `upload`: 0). */
  objects: number;
  /** The bytes it holds. */
  bytes: number;
  /** The last time anything was written to it. */
  lastActivity: Date;
  /** Whether this call removed it. */
  removed: boolean;
  /** Why its removal failed or was skipped, when it was not removed in a real run. */
  error?: string | undefined;
}

/** What `gc` found and did. */
export interface GcReport {
  /** Every orphan found. */
  orphans: Orphan[];
  /** How many were removed. */
  removed: number;
  /** The bytes freed. */
  bytesRemoved: number;
  /** Whether this was a dry run. */
  dryRun: boolean;
}

/** The default of {@link GcOptions.olderThanMs}. */
export const GC_DEFAULT_AGE_MS = 60 * 60 * 1000;

const MODEL_ID = /^[0-9a-f]{32}$/;
const STAGING = /_tmp_[a-z0-9]{10}$/;

/** Lists (and unless `dryRun`, removes) every orphan; see the module documentation. */
export async function gc(context: RegistryContext, options: GcOptions = {}): Promise<GcReport> {
  const olderThanMs = options.olderThanMs ?? GC_DEFAULT_AGE_MS;
  if (typeof olderThanMs !== "number" || !Number.isFinite(olderThanMs) || olderThanMs < 0) {
    throw new ValidationError("olderThanMs", "a number of milliseconds >= 0");
  }
  const scopes = (options.modelIds ?? [undefined]).map((id) => {
    if (id === undefined) return MODELS;
    if (typeof id !== "string" || !MODEL_ID.test(id)) {
      throw new ValidationError("modelIds", `32-hex model ids (got ${JSON.stringify(id)})`);
    }
    return modelPrefix(id);
  });
  const { signal } = options;
  const { backend } = context;
  const cutoff = Date.now() - olderThanMs;
  const call = { signal };

  const uploads = new Map<string, UnfinishedUpload[]>();
  for (const scope of scopes) {
    if (backend.objects.listUnfinished === undefined) break;
    for await (const upload of backend.objects.listUnfinished(scope, call)) {
      const id = modelIdOf(upload.key);
      if (id === undefined) continue;
      uploads.set(id, [...(uploads.get(id) ?? []), upload]);
    }
  }

  const orphans: Orphan[] = [];
  const owners = new Map<string, Owner>();
  const examine = async (id: string, entries: ObjectEntry[]): Promise<void> => {
    const owner = await ownerOf(backend, id, call);
    owners.set(id, owner);
    orphans.push(...folderOrphans(id, owner, entries, uploads.get(id) ?? [], cutoff));
  };
  for (const scope of scopes) {
    // Keys come in order, so one model's objects are contiguous: one model in memory at a time.
    let current: string | undefined;
    let entries: ObjectEntry[] = [];
    for await (const entry of backend.objects.list(scope, call)) {
      const id = modelIdOf(entry.key);
      if (id === undefined) continue;
      if (id !== current) {
        if (current !== undefined) await examine(current, entries);
        current = id;
        entries = [];
      }
      entries.push(entry);
    }
    if (current !== undefined) await examine(current, entries);
  }
  for (const [id, list] of uploads) {
    const owner = owners.get(id) ?? await ownerOf(backend, id, call);
    if (owner.kind === "foreign" || owner.kind === "unreadable") continue;
    for (const upload of list) {
      if (upload.lastActivity.getTime() > cutoff) continue;
      // An automatic version being uploaded: its parts are in flight, whatever their age.
      if (owner.kind === "own" && isReferenced(upload.key, owner.reserved)) continue;
      // Listed before the model was read: it may have completed (and its reservation gone)
      // in between. Only one still unfinished after that read is an orphan.
      if (!(await stillUnfinished(backend, upload, call))) continue;
      orphans.push({
        kind: "upload",
        modelId: id,
        prefix: upload.key,
        uploadId: upload.id,
        objects: 0,
        bytes: upload.bytes,
        lastActivity: upload.lastActivity,
        removed: false,
      });
    }
  }

  const dryRun = options.dryRun === true;
  let removed = 0;
  let bytesRemoved = 0;
  if (!dryRun) {
    for (const orphan of orphans) {
      signal?.throwIfAborted();
      try {
        const why = await removeOrphan(backend, orphan, uploads, cutoff, call);
        if (why !== undefined) {
          orphan.error = why;
          continue;
        }
        orphan.removed = true;
        removed++;
        bytesRemoved += orphan.bytes;
        logOk(context, `gc removed the ${orphan.kind} ${orphan.prefix} (${orphan.bytes} bytes)`);
      } catch (error) {
        if (signal?.aborted) throw error;
        orphan.error = messageOf(error);
        context.logger.warn?.(`gc could not remove ${orphan.prefix}: ${orphan.error}`);
      }
    }
  }
  return { orphans, removed, bytesRemoved, dryRun };
}

/** Whose a model folder is: the user's model (with what it refers to), nobody's, or another's. */
type Owner =
  | { kind: "own"; referenced: string[]; reserved: string[] }
  | { kind: "gone" }
  | { kind: "foreign" }
  | { kind: "unreadable" };

async function ownerOf(
  backend: RegistryBackend,
  id: string,
  call: BackendCallOptions,
): Promise<Owner> {
  const entity = await backend.metadata.getById(id, call);
  if (entity === null) {
    // The platform's store sees one project; the bucket may hold other projects' models.
    if (backend instanceof PlatformBackend) {
      const model = await backend.models.getById(id, call);
      if (model !== null) return { kind: "foreign" };
    }
    return { kind: "gone" };
  }
  const referenced: string[] = [];
  const text = entity.metadata.versions_map;
  if (text !== undefined && text !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { kind: "unreadable" };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return { kind: "unreadable" };
    }
    for (const info of Object.values(parsed)) {
      const path = (info as { path?: unknown } | null)?.path;
      if (typeof path === "string" && path !== "") referenced.push(folder(path));
    }
  }
  const uri = /^s3:\/\/[^/]+\/(.+)$/.exec(entity.uri)?.[1];
  if (uri !== undefined) referenced.push(folder(uri));
  const reservations = readReservations(entity.metadata[PENDING_KEY], Date.now());
  const reserved = Object.keys(reservations).map((name) => versionPrefix(id, name));
  return { kind: "own", referenced: [...referenced, ...reserved], reserved };
}

/** The orphans among one model's objects. */
function folderOrphans(
  id: string,
  owner: Owner,
  entries: readonly ObjectEntry[],
  uploads: readonly UnfinishedUpload[],
  cutoff: number,
): Orphan[] {
  if (owner.kind === "foreign" || owner.kind === "unreadable") return [];
  const root = modelPrefix(id);
  const groups = new Map<string, ObjectEntry[]>();
  for (const entry of entries) {
    const rest = entry.key.slice(root.length);
    const slash = rest.indexOf("/");
    const group = owner.kind === "gone"
      ? root
      : slash < 0
      ? entry.key
      : `${root}${rest.slice(0, slash + 1)}`;
    groups.set(group, [...(groups.get(group) ?? []), entry]);
  }
  const orphans: Orphan[] = [];
  for (const [prefix, members] of groups) {
    if (owner.kind === "own" && isReferenced(prefix, owner.referenced)) continue;
    const lastActivity = activity(prefix, members, uploads);
    if (lastActivity.getTime() > cutoff) continue;
    const name = prefix.slice(root.length).replace(/\/$/, "");
    orphans.push({
      kind: owner.kind === "gone"
        ? "model"
        : !prefix.endsWith("/")
        ? "object"
        : STAGING.test(name)
        ? "staging"
        : "version",
      modelId: id,
      prefix,
      objects: members.length,
      bytes: members.reduce((sum, entry) => sum + entry.size, 0),
      lastActivity,
      removed: false,
    });
  }
  return orphans;
}

/**
 * Removes one orphan after reading its model and its folder again; returns why it was skipped
 * (it is referenced now, or was written meanwhile), or `undefined` once removed.
 */
async function removeOrphan(
  backend: RegistryBackend,
  orphan: Orphan,
  uploads: ReadonlyMap<string, UnfinishedUpload[]>,
  cutoff: number,
  call: BackendCallOptions,
): Promise<string | undefined> {
  const { objects } = backend;
  const owner = await ownerOf(backend, orphan.modelId, call);
  const stillOrphan = (): boolean => {
    if (owner.kind === "gone") return true;
    if (owner.kind !== "own" || orphan.kind === "model") return false;
    // An unfinished upload is protected by a reservation only; a folder by any reference.
    const protectedBy = orphan.kind === "upload" ? owner.reserved : owner.referenced;
    return !isReferenced(orphan.prefix, protectedBy);
  };
  if (!stillOrphan()) return "skipped: the model refers to it now";
  if (orphan.kind === "upload") {
    if (objects.abortUnfinished === undefined) return "skipped: the store cannot abort uploads";
    const upload = {
      key: orphan.prefix,
      id: orphan.uploadId ?? "",
      bytes: orphan.bytes,
      lastActivity: orphan.lastActivity,
    };
    if (!(await stillUnfinished(backend, upload, call))) return "skipped: it finished meanwhile";
    await objects.abortUnfinished(upload, call);
    return undefined;
  }
  if (orphan.kind === "object") {
    if (objects.deleteKeys === undefined) return "skipped: the store cannot delete single keys";
    await objects.deleteKeys([orphan.prefix], call);
    return undefined;
  }
  const members: ObjectEntry[] = [];
  for await (const entry of objects.list(orphan.prefix, call)) members.push(entry);
  const fresh = [...(uploads.get(orphan.modelId) ?? [])];
  if (objects.listUnfinished !== undefined) {
    for await (const upload of objects.listUnfinished(orphan.prefix, call)) fresh.push(upload);
  }
  if (activity(orphan.prefix, members, fresh).getTime() > cutoff) {
    return "skipped: written to since it was listed";
  }
  await objects.deletePrefix(orphan.prefix, call);
  return undefined;
}

/** Whether `upload` is still listed as unfinished. */
async function stillUnfinished(
  backend: RegistryBackend,
  upload: UnfinishedUpload,
  call: BackendCallOptions,
): Promise<boolean> {
  if (backend.objects.listUnfinished === undefined) return false;
  for await (const found of backend.objects.listUnfinished(upload.key, call)) {
    if (found.key === upload.key && found.id === upload.id) return true;
  }
  return false;
}

/** The model id of a key under `_models/{id}/`, else `undefined`. */
function modelIdOf(key: string): string | undefined {
  if (!key.startsWith(MODELS)) return undefined;
  const id = key.slice(MODELS.length).split("/", 1)[0] ?? "";
  return MODEL_ID.test(id) && key.length > MODELS.length + id.length + 1 ? id : undefined;
}

/** A path as a folder prefix, ending with `/`. */
function folder(path: string): string {
  return path.endsWith("/") ? path : `${path}/`;
}

/** Whether a referenced path lies inside `prefix` or contains it. */
function isReferenced(prefix: string, referenced: readonly string[]): boolean {
  const own = folder(prefix);
  return referenced.some((path) => path.startsWith(own) || own.startsWith(path));
}

/** The latest write to the objects and unfinished uploads under `prefix`. */
function activity(
  prefix: string,
  members: readonly ObjectEntry[],
  uploads: readonly UnfinishedUpload[],
): Date {
  let latest = 0;
  for (const entry of members) {
    // A store that does not date its objects: take them as written now, never as old.
    latest = Math.max(latest, entry.modified?.getTime() ?? Date.now());
  }
  for (const upload of uploads) {
    if (upload.key.startsWith(prefix)) latest = Math.max(latest, upload.lastActivity.getTime());
  }
  return new Date(latest);
}
