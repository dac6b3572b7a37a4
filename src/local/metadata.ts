/**
 * The metadata half of the embedded registry: one JSON file per model under `metadata/models/`,
 * and `metadata/index.json` mapping model ids to names with a creation sequence number. Every
 * change is a read-modify-write under a lock file and lands through an atomic rename, so that
 * processes sharing the folder never see a half-written file nor lose each other's keys.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type {
  BackendCallOptions,
  HeldLock,
  MetadataStore,
  ModelEntity,
  TypedValue,
} from "../registry/backend.ts";
import { AipModelError } from "../errors.ts";
import { readJsonFile, writeFileAtomic } from "./fs.ts";
import { acquireFileLock } from "./lock.ts";

/** How long the short internal locks of one file write may be held. */
const FILE_LOCK_TTL_MS = 30_000;

interface StoredModel {
  id: string;
  name: string;
  uri: string;
  created: string;
  /** Creation order across processes: the oldest same-name model has the lowest. */
  seq: number;
  tags: string[];
  metadata: Record<string, TypedValue>;
}

interface StoredIndex {
  next: number;
  models: Record<string, { name: string; seq: number }>;
}

/** The metadata store of a registry folder. */
export class LocalMetadataStore implements MetadataStore {
  readonly #root: string;

  /** `root` is the registry folder. */
  constructor(root: string) {
    this.#root = root;
  }

  async findByName(name: string, options?: BackendCallOptions): Promise<ModelEntity[]> {
    options?.signal?.throwIfAborted();
    const index = await this.#readIndex();
    const ids = Object.entries(index.models)
      .filter(([, entry]) => entry.name === name)
      .sort(([, a], [, b]) => a.seq - b.seq)
      .map(([id]) => id);
    const found: ModelEntity[] = [];
    for (const id of ids) {
      const model = await this.#read(id);
      if (model) found.push(toEntity(model));
    }
    return found;
  }

  async getById(id: string, options?: BackendCallOptions): Promise<ModelEntity | null> {
    options?.signal?.throwIfAborted();
    if (!/^[0-9a-f]{32}$/.test(id)) return null;
    const model = await this.#read(id);
    return model ? toEntity(model) : null;
  }

  async create(name: string, uri: string, options?: BackendCallOptions): Promise<string> {
    const id = randomBytes(16).toString("hex");
    // The stamp and sequence are taken under the index lock, so that "oldest" means the same
    // thing to every process that reads the index afterwards.
    await this.#withLock("index", options, async () => {
      const index = await this.#readIndex();
      const seq = index.next;
      const model: StoredModel = {
        id,
        name,
        uri,
        created: new Date().toISOString(),
        seq,
        tags: [],
        metadata: {},
      };
      await writeFileAtomic(this.#modelPath(id), JSON.stringify(model, null, 2));
      index.models[id] = { name, seq };
      index.next = seq + 1;
      await writeFileAtomic(this.#indexPath(), JSON.stringify(index, null, 2));
    });
    return id;
  }

  async setMetadata(
    id: string,
    values: Readonly<Record<string, TypedValue>>,
    options?: BackendCallOptions,
  ): Promise<void> {
    await this.#update(id, options, (model) => {
      for (const [key, value] of Object.entries(values)) {
        model.metadata[key] = { type: value.type, value: value.value };
      }
    });
  }

  async deleteMetadata(
    id: string,
    keys: readonly string[],
    options?: BackendCallOptions,
  ): Promise<void> {
    await this.#update(id, options, (model) => {
      for (const key of keys) delete model.metadata[key];
    });
  }

  async setTags(id: string, tags: readonly string[], options?: BackendCallOptions): Promise<void> {
    await this.#update(id, options, (model) => {
      model.tags = [...tags];
    });
  }

  async setUri(id: string, uri: string, options?: BackendCallOptions): Promise<void> {
    await this.#update(id, options, (model) => {
      model.uri = uri;
    });
  }

  async delete(id: string, options?: BackendCallOptions): Promise<boolean> {
    if (!/^[0-9a-f]{32}$/.test(id)) return false;
    let existed = false;
    // The index entry goes first: a model file without an entry is invisible, never the reverse.
    await this.#withLock("index", options, async () => {
      const index = await this.#readIndex();
      existed = index.models[id] !== undefined;
      if (!existed) return;
      delete index.models[id];
      await writeFileAtomic(this.#indexPath(), JSON.stringify(index, null, 2));
    });
    await this.#withLock(`file-${id}`, undefined, () => rm(this.#modelPath(id), { force: true }));
    return existed;
  }

  async *list(options?: BackendCallOptions): AsyncIterable<ModelEntity> {
    const index = await this.#readIndex();
    const entries = Object.entries(index.models).sort(([, a], [, b]) => a.seq - b.seq);
    for (const [id] of entries) {
      options?.signal?.throwIfAborted();
      const model = await this.#read(id);
      if (model) yield toEntity(model);
    }
  }

  lock(modelId: string, options: BackendCallOptions & { ttlMs: number }): Promise<HeldLock> {
    return acquireFileLock(this.#lockPath(`model-${modelId}`), {
      ttlMs: options.ttlMs,
      signal: options.signal,
    });
  }

  async #update(
    id: string,
    options: BackendCallOptions | undefined,
    change: (model: StoredModel) => void,
  ): Promise<void> {
    await this.#withLock(`file-${id}`, options, async () => {
      const model = await this.#read(id);
      if (!model) throw new AipModelError(`No model with id ${id} in the local registry`);
      change(model);
      await writeFileAtomic(this.#modelPath(id), JSON.stringify(model, null, 2));
    });
  }

  async #withLock<T>(
    name: string,
    options: BackendCallOptions | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    const held = await acquireFileLock(this.#lockPath(name), {
      ttlMs: FILE_LOCK_TTL_MS,
      signal: options?.signal,
    });
    try {
      return await body();
    } finally {
      await held.release();
    }
  }

  async #read(id: string): Promise<StoredModel | undefined> {
    const value = await readJsonFile(this.#modelPath(id));
    return value === undefined ? undefined : value as StoredModel;
  }

  async #readIndex(): Promise<StoredIndex> {
    const value = await readJsonFile(this.#indexPath()) as StoredIndex | undefined;
    return value ?? { next: 1, models: {} };
  }

  #modelPath(id: string): string {
    return join(this.#root, "metadata", "models", `${id}.json`);
  }

  #indexPath(): string {
    return join(this.#root, "metadata", "index.json");
  }

  #lockPath(name: string): string {
    return join(this.#root, "locks", `${name}.lock`);
  }
}

function toEntity(model: StoredModel): ModelEntity {
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(model.metadata)) metadata[key] = item.value;
  return {
    id: model.id,
    name: model.name,
    uri: model.uri,
    created: model.created,
    tags: [...model.tags].sort(),
    metadata,
  };
}
