/**
 * The platform's metadata store: ClearML models in the user's project `project_{username}`,
 * seen through the registry's {@link MetadataStore} interface.
 *
 * @module
 */

import type { ClearMLCaller } from "../clearml/client.ts";
import { metadataValues } from "../clearml/metadata.ts";
import { ModelsAPI } from "../clearml/models.ts";
import type { MetadataItem, Model } from "../clearml/types.ts";
import type {
  BackendCallOptions,
  HeldLock,
  MetadataStore,
  ModelEntity,
  TypedValue,
} from "../registry/backend.ts";
import { ClearMLLocks, type LockTimingOptions } from "./lock.ts";

/**
 * Where {@link ClearMLMetadataStore} keeps its models.
 *
 * @example
 * ```ts
 * import type { ClearMLMetadataStoreOptions } from "./metadata_store.ts";
 * const options: ClearMLMetadataStoreOptions = {
 *   projectId: "d1bd92a3b039400cbafc60a7a5b1e52b",
 *   projectName: "project_alice",
 * };
 * ```
 */
export interface ClearMLMetadataStoreOptions {
  /** The id of the user's project. */
  projectId: string;
  /** Its name, `project_{username}`; the locks live in hidden projects below it. */
  projectName: string;
  /** How lock waits back off (tests shorten them). */
  lockTiming?: LockTimingOptions | undefined;
}

/**
 * The models of one ClearML project as a {@link MetadataStore}.
 *
 * Names are looked up with an escaped, anchored pattern and compared again here, so a name
 * such as `a.b` never matches `aXb`. Uris change only through `models.edit` (the Python SDK
 * 0.2.58+ sends them to `models.update`, whose schema has no `uri`). A model of another project
 * is "not found" here even when its id is known: the store speaks for one user.
 *
 * @example
 * ```ts ignore
 * import { ClearMLClient } from "../clearml/client.ts";
 * import { ClearMLMetadataStore } from "./metadata_store.ts";
 * const client = new ClearMLClient({ apiHost, accessKey, secretKey });
 * const store = new ClearMLMetadataStore(client, { projectId, projectName: "project_alice" });
 * const id = await store.create("resnet50", "s3://placeholder");
 * await store.setMetadata(id, { latest_version: { type: "str", value: "v1" } });
 * const [oldest] = await store.findByName("resnet50");
 * ```
 */
export class ClearMLMetadataStore implements MetadataStore {
  /** The id of the user's project. */
  readonly projectId: string;
  /** `project_{username}`. */
  readonly projectName: string;
  readonly #models: ModelsAPI;
  readonly #locks: ClearMLLocks;

  /** Wraps a ClearML client; does not contact the server. */
  constructor(client: ClearMLCaller, options: ClearMLMetadataStoreOptions) {
    this.projectId = options.projectId;
    this.projectName = options.projectName;
    this.#models = new ModelsAPI(client);
    this.#locks = new ClearMLLocks(client, {
      parent: options.projectName,
      ...options.lockTiming,
    });
  }

  /** Every model of the project named exactly `name`, oldest first (then by id). */
  async findByName(name: string, options: BackendCallOptions = {}): Promise<ModelEntity[]> {
    const found: ModelEntity[] = [];
    const rows = this.#models.iterate({
      name,
      projectId: this.projectId,
      orderBy: ["created"],
      signal: options.signal,
    });
    for await (const model of rows) found.push(toEntity(model));
    // The server's order is already this one; sorting again makes "the oldest wins" hold even
    // against a server that ties on `created` and breaks the tie another way.
    return found.sort(oldestFirst);
  }

  /** The model with this id in the project, or `null`. */
  async getById(id: string, options: BackendCallOptions = {}): Promise<ModelEntity | null> {
    const model = await this.#models.getById(id, { signal: options.signal });
    if (model === null || model.project !== this.projectId) return null;
    return toEntity(model);
  }

  /** Creates a published model (`ready: true`, as the Python SDK's end up) in the project. */
  create(name: string, uri: string, options: BackendCallOptions = {}): Promise<string> {
    return this.#models.create({
      name,
      uri,
      projectId: this.projectId,
      ready: true,
      signal: options.signal,
    });
  }

  /** Merges the values in with `models.add_or_update_metadata`; other keys stay. */
  async setMetadata(
    id: string,
    values: Readonly<Record<string, TypedValue>>,
    options: BackendCallOptions = {},
  ): Promise<void> {
    const items: MetadataItem[] = Object.entries(values).map(([key, typed]) => ({
      key,
      type: typed.type,
      value: typed.value,
    }));
    if (items.length === 0) return;
    await this.#models.update({ modelId: id, metadata: items, signal: options.signal });
  }

  /** Removes metadata keys through `models.delete_metadata`. */
  deleteMetadata(
    id: string,
    keys: readonly string[],
    options: BackendCallOptions = {},
  ): Promise<void> {
    return this.#models.deleteMetadata(id, keys, { signal: options.signal });
  }

  /** Replaces the tags through `models.edit`. */
  setTags(id: string, tags: readonly string[], options: BackendCallOptions = {}): Promise<void> {
    return this.#models.update({ modelId: id, tags, signal: options.signal });
  }

  /** Sets the uri through `models.edit`. */
  setUri(id: string, uri: string, options: BackendCallOptions = {}): Promise<void> {
    return this.#models.editUri({ modelId: id, uri, signal: options.signal });
  }

  /** Deletes the model entity; `false` when there was none. */
  delete(id: string, options: BackendCallOptions = {}): Promise<boolean> {
    return this.#models.delete(id, { signal: options.signal });
  }

  /** Every model of the project, oldest first, fetched 500 a page as the loop advances. */
  async *list(options: BackendCallOptions = {}): AsyncGenerator<ModelEntity, void, undefined> {
    const rows = this.#models.iterate({
      projectId: this.projectId,
      orderBy: ["created"],
      signal: options.signal,
    });
    for await (const model of rows) yield toEntity(model);
  }

  /** See {@link ClearMLLocks.acquire}. */
  lock(modelId: string, options: BackendCallOptions & { ttlMs: number }): Promise<HeldLock> {
    return this.#locks.acquire(modelId, options);
  }
}

function toEntity(model: Model): ModelEntity {
  return {
    id: model.id,
    name: model.name ?? "",
    uri: model.uri ?? "",
    created: model.created ?? "",
    tags: [...(model.tags ?? [])].sort(),
    metadata: metadataValues(model),
  };
}

function oldestFirst(a: ModelEntity, b: ModelEntity): number {
  const byTime = Date.parse(a.created) - Date.parse(b.created);
  if (Number.isFinite(byTime) && byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
