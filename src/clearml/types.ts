/**
 * The ClearML objects as the server returns them. Field names are ClearML's own (snake_case), so
 * that the server's documentation applies word for word; fields the SDK does not know are kept.
 *
 * @module
 */

/**
 * One metadata entry of a model. ClearML stores every field as a string; `type` is free text
 * (the Python SDK uses `str`, `int`, `float`, `bool`).
 *
 * @example
 * ```ts
 * import type { MetadataItem } from "./types.ts";
 * const item: MetadataItem = { key: "modelSize", type: "float", value: "12.50" };
 * ```
 */
export interface MetadataItem {
  /** The metadata key. */
  key: string;
  /** The declared type of the value, e.g. `str`. */
  type: string;
  /** The value, always a string. */
  value: string;
}

/**
 * Metadata as the SDK accepts it: plain string values (sent with type `str`) or typed items.
 *
 * @example
 * ```ts
 * import type { MetadataInput } from "./types.ts";
 * const plain: MetadataInput = { latest_version: "v1" };
 * const typed: MetadataInput = [{ key: "version_count", type: "int", value: "1" }];
 * ```
 */
export type MetadataInput = Readonly<Record<string, string>> | readonly MetadataItem[];

/**
 * A ClearML model (`models.get_by_id`, `models.get_all`). Only `id` is always present: a
 * listing with `only_fields` returns just the fields asked for.
 *
 * @example
 * ```ts
 * import type { Model } from "./types.ts";
 * const model: Model = { id: "5b1e0c7e9f6a4b0e8d7c3a2b1f0e9d8c", name: "resnet50", ready: true };
 * ```
 */
export interface Model {
  /** 32 lowercase hex characters on a real server. */
  id: string;
  /** The model name; not unique on the server. */
  name?: string;
  /** The project id; absent for a model without a project. */
  project?: string;
  /** Where the weights are, e.g. `s3://bucket/_models/<id>/v1/`. */
  uri?: string;
  /** `true` means published. */
  ready?: boolean;
  /** Sorted by the server. */
  tags?: string[];
  /** `archived` here means archived. */
  system_tags?: string[];
  /** The metadata map keyed by key (API ≥ 2.17); a list on servers older than 2.17. */
  metadata?: Record<string, MetadataItem> | MetadataItem[];
  /** ISO-8601 UTC creation time. */
  created?: string;
  /** ISO-8601 UTC time of the last update. */
  last_update?: string;
  /** The owning user id. */
  user?: string;
  /** The owning company id; `""` for a public model. */
  company?: string;
  /** Free text. */
  comment?: string;
  /** E.g. `PyTorch`. */
  framework?: string;
  /** Anything else the server returned. */
  [field: string]: unknown;
}

/**
 * A ClearML project (`projects.get_by_id`, `projects.get_all`).
 *
 * @example
 * ```ts
 * import type { Project } from "./types.ts";
 * const project: Project = { id: "d1bd92a3b039400cbafc60a7a5b1e52b", name: "project_alice" };
 * ```
 */
export interface Project {
  /** 32 lowercase hex characters on a real server. */
  id: string;
  /** The full path, e.g. `a/b/c`; unique per company. */
  name?: string;
  /** The last part of the path. */
  basename?: string;
  /** `""` when not given. */
  description?: string;
  /** Sorted by the server. */
  tags?: string[];
  /** `hidden` or `archived` change visibility. */
  system_tags?: string[];
  /** ISO-8601 UTC creation time. */
  created?: string;
  /** ISO-8601 UTC time of the last update. */
  last_update?: string;
  /** The parent project id, absent for a root project. */
  parent?: string;
  /** The owning user id. */
  user?: string;
  /** The owning company id; `""` for a public project. */
  company?: string;
  /** Anything else the server returned. */
  [field: string]: unknown;
}

/**
 * Options every ClearML wrapper operation accepts.
 *
 * @example
 * ```ts
 * import type { OperationOptions } from "./types.ts";
 * const options: OperationOptions = { signal: AbortSignal.timeout(5_000) };
 * ```
 */
export interface OperationOptions {
  /** Aborts the operation, its retries and its waits. */
  signal?: AbortSignal | undefined;
}

/**
 * Options of the paged listings (`getAll`, `iterate`).
 *
 * @example
 * ```ts
 * import type { ListOptions } from "./types.ts";
 * const options: ListOptions = { onlyFields: ["name"], orderBy: ["-created"], pageSize: 100 };
 * ```
 */
export interface ListOptions extends OperationOptions {
  /**
   * The fields to return; `id` is always added (the server does not add it by itself).
   * @default all fields
   */
  onlyFields?: readonly string[] | undefined;
  /**
   * The sort order; a `-` prefix means descending. The server appends `id`, so paging is stable.
   * @default ["created"]
   */
  orderBy?: readonly string[] | undefined;
  /**
   * Rows per request; the server caps pages at 500, so larger values are lowered to 500.
   * @default 500
   */
  pageSize?: number | undefined;
  /** More raw `get_all` filters, sent as given (e.g. `{"metadata.acc.value": ["0.9"]}`). */
  filters?: Readonly<Record<string, unknown>> | undefined;
}
