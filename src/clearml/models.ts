/**
 * ClearML models: create, list, look up by id or exact name, update the uri and metadata,
 * publish, delete.
 *
 * @module
 */

import { ClearMLError, NotFoundError, ServiceError } from "../errors.ts";
import type { ClearMLCaller } from "./client.ts";
import { toMetadataItems, toMetadataMap } from "./metadata.ts";
import type {
  CreateModelOptions,
  DeleteModelOptions,
  EditUriOptions,
  FindModelOptions,
  ModelListOptions,
  UpdateModelOptions,
} from "./model_options.ts";
import { collect, pageThrough } from "./paging.ts";
import { exactNameRegex } from "./regex.ts";
import type { Model, OperationOptions } from "./types.ts";
import { requireText } from "./validate.ts";

/** ClearML's "no such model" (400/201), used for every missing model. */
const INVALID_MODEL_ID = 201;
/** ClearML's "model is ready" (400/203) from `models.set_ready`. */
const MODEL_IS_READY = 203;

/**
 * The `models.*` endpoints of ClearML.
 *
 * @example
 * ```ts ignore
 * import { ClearMLClient } from "./client.ts";
 * import { ModelsAPI } from "./models.ts";
 * const models = new ModelsAPI(new ClearMLClient({ apiHost, accessKey, secretKey }));
 * const id = await models.create({ name: "resnet50", projectId, uri: "s3://placeholder" });
 * await models.update({ modelId: id, metadata: { latest_version: "v1" } });
 * ```
 */
export class ModelsAPI {
  readonly #client: ClearMLCaller;

  /** Wraps a client (usually a `ClearMLClient`). */
  constructor(client: ClearMLCaller) {
    this.#client = client;
  }

  /** Creates a model and returns its id. Never retried after a lost answer: names are not unique. */
  async create(options: CreateModelOptions): Promise<string> {
    if (typeof options.uri !== "string") requireText("uri", options.uri);
    const body: Record<string, unknown> = {
      name: requireText("name", options.name),
      uri: options.uri,
      ready: options.ready ?? true,
    };
    if (options.projectId !== undefined) body.project = requireText("projectId", options.projectId);
    if (options.metadata !== undefined) {
      body.metadata = toMetadataMap(toMetadataItems(options.metadata));
    }
    if (options.tags !== undefined) body.tags = [...options.tags];
    if (options.comment !== undefined) body.comment = options.comment;
    if (options.framework !== undefined) body.framework = options.framework;
    const data = await this.#client.call<{ id?: unknown }>("models.create", body, {
      signal: options.signal,
    });
    if (typeof data.id !== "string") {
      throw new ServiceError("clearml", "ClearML answered models.create without an id");
    }
    return data.id;
  }

  /** Every model matching the filters, all pages. */
  getAll(options: ModelListOptions = {}): Promise<Model[]> {
    return collect(this.iterate(options));
  }

  /** Every model matching the filters, fetched page by page as the loop advances. */
  iterate(options: ModelListOptions = {}): AsyncGenerator<Model, void, undefined> {
    const { name, projectId, tags, ready } = options;
    const filters: Record<string, unknown> = {};
    if (projectId !== undefined) {
      // The server takes a list (the Python SDK's single string works only by accident), and an
      // empty id would mean "no filter", so every id is checked.
      const ids = typeof projectId === "string" ? [projectId] : [...projectId];
      if (ids.length === 0) requireText("projectId", "");
      filters.project = ids.map((id) => requireText("projectId", id));
    }
    if (name !== undefined) filters.name = exactNameRegex(requireText("name", name));
    if (tags !== undefined) filters.tags = [...tags];
    if (ready !== undefined) filters.ready = ready;
    return pageThrough<Model>(this.#client, {
      endpoint: "models.get_all",
      key: "models",
      filters,
      ...(name === undefined
        ? {}
        : { requiredFields: ["name"], accept: (model: Model) => model.name === name }),
    }, options);
  }

  /**
   * The oldest model named exactly `name` (in `projectId` when given), or `null`. Names are not
   * unique on the server; the oldest is the one the Python SDK's lookup finds too.
   */
  async findByName(name: string, options: FindModelOptions = {}): Promise<Model | null> {
    const rows = this.iterate({
      name,
      projectId: options.projectId,
      orderBy: ["created"],
      signal: options.signal,
    });
    for await (const model of rows) return model;
    return null;
  }

  /** The model with this id, or `null` when there is none. */
  async getById(modelId: string, options: OperationOptions = {}): Promise<Model | null> {
    try {
      const data = await this.#client.call<{ model?: Model }>(
        "models.get_by_id",
        { model: requireText("modelId", modelId) },
        { signal: options.signal },
      );
      if (typeof data.model?.id !== "string") {
        throw new ServiceError("clearml", "ClearML answered models.get_by_id without a model");
      }
      return data.model;
    } catch (error) {
      if (isNoSuchModel(error)) return null;
      throw error;
    }
  }

  /**
   * Changes a model: `uri`, `tags` and `name` through `models.edit` (the Python SDK 0.2.58+
   * sends `uri` to `models.update`, whose schema lacks it), metadata merged through
   * `models.add_or_update_metadata` (or, with `replaceMetadata`, replaced in the same edit).
   * Throws `NotFoundError` when there is no such model.
   */
  async update(options: UpdateModelOptions): Promise<void> {
    const modelId = requireText("modelId", options.modelId);
    const items = options.metadata === undefined ? undefined : toMetadataItems(options.metadata);
    const edit: Record<string, unknown> = {};
    if (options.uri !== undefined) edit.uri = options.uri;
    if (options.tags !== undefined) edit.tags = [...options.tags];
    if (options.name !== undefined) edit.name = requireText("name", options.name);
    if (options.replaceMetadata && items !== undefined) edit.metadata = toMetadataMap(items);
    const { signal } = options;
    if (Object.keys(edit).length > 0) await this.#change("models.edit", modelId, edit, signal);
    if (!options.replaceMetadata && items !== undefined && items.length > 0) {
      await this.#change("models.add_or_update_metadata", modelId, { metadata: items }, signal);
    }
  }

  /** Sets a model's uri through `models.edit`; `NotFoundError` when there is no such model. */
  async editUri(options: EditUriOptions): Promise<void> {
    if (typeof options.uri !== "string") requireText("uri", options.uri);
    const modelId = requireText("modelId", options.modelId);
    await this.#change("models.edit", modelId, { uri: options.uri }, options.signal);
  }

  /** Removes metadata keys (absent keys are ignored); `NotFoundError` when there is no such model. */
  async deleteMetadata(
    modelId: string,
    keys: readonly string[],
    options: OperationOptions = {},
  ): Promise<void> {
    const id = requireText("modelId", modelId);
    const checked = keys.map((key) => requireText("keys", key).trim());
    // The server requires at least one key; removing none is simply nothing to do.
    if (checked.length === 0) return;
    await this.#change("models.delete_metadata", id, { keys: checked }, options.signal);
  }

  /** Publishes a model; an already published model is fine. `NotFoundError` when there is none. */
  async setReady(modelId: string, options: OperationOptions = {}): Promise<void> {
    try {
      await this.#change("models.set_ready", requireText("modelId", modelId), {}, options.signal);
    } catch (error) {
      if (error instanceof ClearMLError && error.resultSubcode === MODEL_IS_READY) return;
      throw error;
    }
  }

  /** Deletes a model's ClearML entry (not its files). Returns `false` when there was no such model. */
  async delete(modelId: string, options: DeleteModelOptions = {}): Promise<boolean> {
    const body: Record<string, unknown> = { model: requireText("modelId", modelId) };
    if (options.force !== undefined) body.force = options.force;
    try {
      await this.#client.call("models.delete", body, { signal: options.signal });
      return true;
    } catch (error) {
      if (isNoSuchModel(error)) return false;
      throw error;
    }
  }

  async #change(
    endpoint: string,
    modelId: string,
    fields: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      await this.#client.call(endpoint, { model: modelId, ...fields }, { signal });
    } catch (error) {
      if (!isNoSuchModel(error)) throw error;
      throw new NotFoundError("model", modelId, `ClearML has no model with id ${modelId}`, {
        cause: error,
      });
    }
  }
}

function isNoSuchModel(error: unknown): boolean {
  return error instanceof ClearMLError && error.resultCode === 400 &&
    error.resultSubcode === INVALID_MODEL_ID;
}
