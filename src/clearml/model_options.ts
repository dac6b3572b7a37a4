/**
 * The option types of `ModelsAPI`'s operations.
 *
 * @module
 */

import type { ListOptions, MetadataInput, OperationOptions } from "./types.ts";

/**
 * What `ModelsAPI.create` takes.
 *
 * @example
 * ```ts
 * import type { CreateModelOptions } from "./model_options.ts";
 * const options: CreateModelOptions = {
 *   name: "resnet50",
 *   projectId: "d1bd92a3b039400cbafc60a7a5b1e52b",
 *   uri: "s3://placeholder",
 *   metadata: { latest_version: "v1" },
 * };
 * ```
 */
export interface CreateModelOptions extends OperationOptions {
  /** The model name (at least 3 characters on the server; not unique there). */
  name: string;
  /** Where the weights are; `""` is accepted. */
  uri: string;
  /** The project the model belongs to; it must exist. */
  projectId?: string | undefined;
  /** Initial metadata, sent in the map form. */
  metadata?: MetadataInput | undefined;
  /** Tags of the model. */
  tags?: readonly string[] | undefined;
  /**
   * Whether the model is published. Always sent: the server's default is `true` although its
   * schema says `false`. `true` matches what the Python SDK's models end up with.
   * @default true
   */
  ready?: boolean | undefined;
  /** Free text. */
  comment?: string | undefined;
  /** E.g. `PyTorch`. */
  framework?: string | undefined;
}

/**
 * Filters of `ModelsAPI.getAll` and `ModelsAPI.iterate`.
 *
 * @example
 * ```ts
 * import type { ModelListOptions } from "./model_options.ts";
 * const options: ModelListOptions = { projectId: "d1bd92a3b039400cbafc60a7a5b1e52b", name: "resnet50" };
 * ```
 */
export interface ModelListOptions extends ListOptions {
  /** Only models in this project (or any of these projects). */
  projectId?: string | readonly string[] | undefined;
  /** Only models named exactly this (not a pattern). */
  name?: string | undefined;
  /** Only models with any of these tags (`-tag` excludes). */
  tags?: readonly string[] | undefined;
  /** Only published (`true`) or unpublished (`false`) models. */
  ready?: boolean | undefined;
}

/**
 * What `ModelsAPI.findByName` takes besides the name.
 *
 * @example
 * ```ts
 * import type { FindModelOptions } from "./model_options.ts";
 * const options: FindModelOptions = { projectId: "d1bd92a3b039400cbafc60a7a5b1e52b" };
 * ```
 */
export interface FindModelOptions extends OperationOptions {
  /** Look only in this project. */
  projectId?: string | undefined;
}

/**
 * What `ModelsAPI.update` takes. Absent fields are left as they are.
 *
 * @example
 * ```ts
 * import type { UpdateModelOptions } from "./model_options.ts";
 * const options: UpdateModelOptions = {
 *   modelId: "5b1e0c7e9f6a4b0e8d7c3a2b1f0e9d8c",
 *   uri: "s3://bucket/_models/5b1e0c7e9f6a4b0e8d7c3a2b1f0e9d8c/v2/",
 *   metadata: { latest_version: "v2" },
 * };
 * ```
 */
export interface UpdateModelOptions extends OperationOptions {
  /** The model. */
  modelId: string;
  /** The new uri (through `models.edit`). */
  uri?: string | undefined;
  /** Metadata to merge in (through `models.add_or_update_metadata`); other keys stay. */
  metadata?: MetadataInput | undefined;
  /**
   * Replace the whole metadata map instead of merging: then `metadata` goes with the other
   * fields in a single `models.edit`.
   * @default false
   */
  replaceMetadata?: boolean | undefined;
  /** The new tags, replacing the old ones. */
  tags?: readonly string[] | undefined;
  /** A new name. */
  name?: string | undefined;
}

/**
 * What `ModelsAPI.editUri` takes.
 *
 * @example
 * ```ts
 * import type { EditUriOptions } from "./model_options.ts";
 * const options: EditUriOptions = { modelId: "5b1e0c7e9f6a4b0e8d7c3a2b1f0e9d8c", uri: "s3://b/m/v1/" };
 * ```
 */
export interface EditUriOptions extends OperationOptions {
  /** The model. */
  modelId: string;
  /** The new uri. */
  uri: string;
}

/**
 * What `ModelsAPI.delete` takes besides the id.
 *
 * @example
 * ```ts
 * import type { DeleteModelOptions } from "./model_options.ts";
 * const options: DeleteModelOptions = { force: true };
 * ```
 */
export interface DeleteModelOptions extends OperationOptions {
  /**
   * Delete even when tasks use the model.
   * @default false
   */
  force?: boolean | undefined;
}
