/**
 * `models.create`, `models.get_all`, `models.get_by_id`, `models.delete` and
 * `models.set_ready` (reference §5.2, §5.3, §5.5, §5.8, §5.9).
 *
 * @module
 */

import type { CallContext } from "./context.ts";
import { apiError, validationError } from "./errors.ts";
import { listDocuments } from "./listing.ts";
import { conformMetadata, metadataFromDict } from "./metadata.ts";
import {
  checkedName,
  checkLabels,
  checkMetadataPaths,
  MODEL_LISTING,
  MODEL_QUERY,
  modelOutput,
  ownModel,
  sortedTags,
} from "./model_schema.ts";
import { descendantIds } from "./project_schema.ts";
import { buildQuery } from "./query.ts";
import { visibleTo } from "./store.ts";
import { newId } from "./time.ts";
import type { Doc, JsonObject } from "./types.ts";
import { checkTags, type FieldKind, validateRequest } from "./validate.ts";

/** `CreateModelRequest`'s fields. */
const CREATE_FIELDS: Record<string, FieldKind> = {
  name: "str",
  uri: "str",
  labels: "dict",
  tags: "str[]",
  system_tags: "str[]",
  comment: "str",
  public: "bool",
  project: "str",
  parent: "str",
  framework: "str",
  design: "dict",
  ready: "bool",
  ui_cache: "dict",
  task: "str",
  metadata: (value) => metadataFromDict(value, "request"),
};

/** `models.create`: `{id, created: true}`; `ready` defaults to true, names need not be unique. */
export function createModel({ data, identity, store }: CallContext): JsonObject {
  const request = validateRequest(data, CREATE_FIELDS, ["name", "uri"]);
  const company = request.public ? "" : identity.company;
  const projectId = request.project;
  if (typeof projectId === "string" && projectId) {
    const project = store.projects.get(projectId);
    if (!project || project.company !== company) {
      throw validationError("Invalid project ids", { project: projectId });
    }
  }
  if (typeof request.task === "string" && request.task) {
    throw apiError(400, 101, { kwargs: { id: request.task } });
  }
  checkTags({ tags: request.tags ?? [], system_tags: request.system_tags ?? [] });
  const labels = (request.labels ?? {}) as JsonObject;
  checkLabels(labels);
  const now = store.now();
  const model: Doc = {
    id: newId(),
    name: checkedName(String(request.name)),
    user: identity.user,
    company,
    created: now,
    tags: sortedTags(request.tags),
    system_tags: sortedTags(request.system_tags),
    uri: String(request.uri).trim(),
    design: (request.design ?? {}) as JsonObject,
    labels,
    ready: request.ready ?? true,
    ui_cache: (request.ui_cache ?? {}) as JsonObject,
    metadata: (request.metadata ?? {}) as JsonObject,
    last_update: now,
    last_change: now,
    last_changed_by: identity.user,
    last_iteration: 0,
    last_metrics: {},
  };
  // Unset string fields are left out of the stored model, so they are not returned as null.
  for (const field of ["project", "parent", "comment", "framework"]) {
    const value = request[field];
    if (typeof value === "string") model[field] = value;
  }
  store.models.set(String(model.id), model);
  return { id: model.id ?? null, created: true };
}

/** `models.get_all`: `{models}` (and `scroll_id` when scrolling); public models included. */
export function getAllModels({ data, identity, store, version }: CallContext): JsonObject {
  checkMetadataPaths(data);
  const params = { ...data };
  const include = params.include_subprojects;
  delete params.include_subprojects;
  if (include && params.project) {
    const projects = Array.isArray(params.project) ? params.project : [params.project];
    const ids = projects.filter((id) => typeof id === "string");
    params.project = [...new Set([...ids, ...descendantIds(store, ids)])];
  }
  const matches = buildQuery(params, MODEL_QUERY);
  const docs = [...store.models.values()].filter((doc) =>
    visibleTo(doc, identity.company) && matches(doc)
  );
  const listing = listDocuments(docs, params, store, MODEL_LISTING);
  const models = listing.items.map((item) => conformMetadata(item, version));
  return listing.scrollId === undefined ? { models } : { models, scroll_id: listing.scrollId };
}

/** `models.get_by_id`: the full model (`only_fields` is ignored), own or public. */
export function getModelById({ data, identity, store, version }: CallContext): JsonObject {
  const request = validateRequest(data, { model: "str" }, ["model"]);
  const id = String(request.model);
  checkMetadataPaths(data);
  // The server passes the whole body as a query, so other filter keys apply too.
  const matches = buildQuery(data, MODEL_QUERY);
  const model = store.models.get(id);
  if (!model || !visibleTo(model, identity.company) || !matches(model)) {
    throw apiError(400, 201, {
      extra: "no such public or company model",
      kwargs: { id, company: identity.company },
    });
  }
  return { model: modelOutput(model, version) };
}

/** `models.delete`: `{deleted: true, url}`; a registry model has no tasks to block it. */
export function deleteModel({ data, identity, store }: CallContext): JsonObject {
  const request = validateRequest(
    data,
    { model: "str", force: "bool", delete_external_artifacts: "bool" },
    ["model"],
  );
  const model = ownModel(store, identity.company, request.model);
  store.models.delete(String(model.id));
  return { deleted: true, url: model.uri ?? null };
}

/** `models.set_ready`: publishes a model; one already ready is `400/203`. */
export function setModelReady({ data, identity, store }: CallContext): JsonObject {
  const request = validateRequest(
    data,
    { model: "str", force_publish_task: "bool", publish_task: "bool" },
    ["model"],
  );
  const model = ownModel(store, identity.company, request.model);
  if (model.ready) {
    throw apiError(400, 203, { kwargs: { company: identity.company, model: String(model.id) } });
  }
  const now = store.now();
  Object.assign(model, { ready: true, last_update: now, last_change: now });
  return { updated: 1 };
}
