/**
 * Changing models: `models.edit`, `models.update` (reference §5.6, §5.7), and the metadata
 * endpoints `models.add_or_update_metadata` and `models.delete_metadata` (§5.4).
 *
 * @module
 */

import type { CallContext } from "./context.ts";
import { apiError, dataValidationError, fieldsValueError, validationError } from "./errors.ts";
import {
  addOrUpdateMetadata,
  conformMetadata,
  deleteMetadata,
  metadataFromDict,
  metadataFromList,
  metadataKeys,
} from "./metadata.ts";
import { checkedName, checkLabels, ownModel, sortedTags } from "./model_schema.ts";
import { formatDates } from "./store.ts";
import { parseDate } from "./time.ts";
import { type Doc, isObject, type Json, type JsonObject } from "./types.ts";
import { checkTags, type FieldKind, validateRequest } from "./validate.ts";

/** `UpdateModelRequest`, shared by edit and update. */
const UPDATE_REQUEST: Record<string, FieldKind> = {
  model: "str",
  uri: "str",
  name: "str",
  comment: "str",
  tags: "str[]",
  system_tags: "str[]",
  framework: "str",
  design: "dict",
  labels: "dict",
  ready: "bool",
  project: "str",
  parent: "str",
  task: "str",
  iteration: "int",
};

/** The fields `models.edit` takes (`create_fields` of the server). */
const EDIT_FIELDS = [
  "name",
  "tags",
  "system_tags",
  "task",
  "comment",
  "uri",
  "project",
  "parent",
  "framework",
  "design",
  "labels",
  "ready",
  "metadata",
];

/** The only fields `models.update` applies (`user_set_allowed`), in declaration order. */
const UPDATE_FIELDS = [
  "name",
  "project",
  "created",
  "comment",
  "tags",
  "system_tags",
  "uri",
  "ui_cache",
  "metadata",
];

/** Fields whose change also bumps `last_update`. */
const LAST_UPDATE_FIELDS = [
  "uri",
  "framework",
  "design",
  "labels",
  "ready",
  "metadata",
  "system_tags",
  "tags",
];

/**
 * `models.edit`: null values are ignored; `project`, `parent` and `task` must exist; design,
 * labels and metadata are replaced whole. `{updated, fields}`.
 */
export function editModel({ data, identity, store, version }: CallContext): JsonObject {
  const request = validateRequest(data, UPDATE_REQUEST, ["model"]);
  const model = ownModel(store, identity.company, request.model);
  const fields: JsonObject = {};
  for (const key of EDIT_FIELDS) {
    const value = key === "metadata" ? data.metadata : request[key];
    if (value !== undefined && value !== null) fields[key] = value;
  }
  if (typeof fields.task === "string" && fields.task.startsWith("__DELETED__")) delete fields.task;
  // References are looked up by id in any company, as the server's field parser does.
  const references: [string, string, (id: string) => boolean][] = [
    ["task", "Task", () => false],
    ["project", "Project", (id) => store.projects.has(id)],
    ["parent", "Model", (id) => store.models.has(id)],
  ];
  for (const [field, entity, exists] of references) {
    const id = fields[field];
    if (typeof id === "string" && !exists(id)) {
      throw fieldsValueError(`expecting ${entity} id`, { id, field });
    }
  }
  const changes = prepareFields(fields, false);
  return applyChanges(model, changes, {
    user: identity.user,
    now: store.now(),
    version,
    echoLastUpdate: true,
  });
}

/**
 * `models.update`: only the whitelisted fields are applied, `null` included (it clears them);
 * `project` is not checked. `{updated, fields}`.
 */
export function updateModel({ data, identity, store, version }: CallContext): JsonObject {
  const request = validateRequest(data, UPDATE_REQUEST, ["model"]);
  const model = ownModel(store, identity.company, request.model);
  if (typeof request.task === "string") throw apiError(400, 101, { kwargs: { id: request.task } });
  const prepared = prepareFields({ ...request, metadata: data.metadata ?? null }, true);
  const fields: JsonObject = {};
  for (const key of UPDATE_FIELDS) {
    if (key in prepared && (key !== "metadata" || "metadata" in data)) {
      fields[key] = prepared[key] ?? null;
    }
  }
  // update sets last_update in a second write, so its reply does not show it.
  return applyChanges(model, fields, {
    user: identity.user,
    now: store.now(),
    version,
    echoLastUpdate: false,
  });
}

// The checks both endpoints share (`prepare_update_fields` and the database's validation).
function prepareFields(fields: JsonObject, keepNulls: boolean): JsonObject {
  const result = { ...fields };
  if ("uri" in result) result.ui_cache = result.ui_cache ?? {};
  if (isObject(result.labels)) {
    const bad = Object.values(result.labels).filter((value) => !Number.isInteger(value));
    if (bad.length > 0) throw validationError("labels values must be integers", { values: bad });
    checkLabels(result.labels);
  }
  checkTags(result);
  if (result.metadata !== undefined && result.metadata !== null) {
    const empty = Array.isArray(result.metadata) && result.metadata.length === 0;
    result.metadata = empty ? {} : metadataFromDict(result.metadata, "database");
  } else if (!keepNulls) {
    delete result.metadata;
  }
  if (typeof result.name === "string") checkedName(result.name);
  if ("created" in result && result.created !== null && parseDate(result.created) === undefined) {
    throw dataValidationError("created", `cannot parse date "${String(result.created)}"`);
  }
  return result;
}

interface ChangeOptions {
  user: string;
  now: number;
  version: CallContext["version"];
  echoLastUpdate: boolean;
}

function applyChanges(
  model: Doc,
  fields: JsonObject,
  { user, now, version, echoLastUpdate }: ChangeOptions,
): JsonObject {
  if (Object.keys(fields).length === 0) return { updated: 0, fields: {} };
  for (const [key, value] of Object.entries(fields)) storeField(model, key, value);
  const bumped: JsonObject = { last_change: now, last_changed_by: user };
  if (LAST_UPDATE_FIELDS.some((field) => field in fields)) bumped.last_update = now;
  Object.assign(model, bumped);
  const echoed: JsonObject = {
    ...structuredClone(fields),
    last_change: now,
    last_changed_by: user,
  };
  if ("last_update" in bumped && echoLastUpdate) echoed.last_update = now;
  for (const key of ["tags", "system_tags"]) {
    if (Array.isArray(echoed[key])) echoed[key] = sortedTags(echoed[key]);
  }
  return { updated: 1, fields: conformMetadata(formatDates(echoed, "model"), version) };
}

// How a value lands in the stored model: stripped strings, sorted tags, parsed datetimes;
// null clears a field (only `update` passes nulls).
function storeField(model: Doc, key: string, value: Json): void {
  if (value === null) {
    if (key === "tags" || key === "system_tags") model[key] = [];
    else if (key === "metadata" || key === "ui_cache") model[key] = {};
    else delete model[key];
    return;
  }
  if (key === "tags" || key === "system_tags") model[key] = sortedTags(value);
  else if ((key === "name" || key === "uri") && typeof value === "string") {
    model[key] = value.trim();
  } else if (key === "created") model[key] = parseDate(value) ?? null;
  else model[key] = structuredClone(value);
}

/** `models.add_or_update_metadata` (API 2.13): merges (or replaces) items; `{updated: 1}`. */
export function addOrUpdateModelMetadata({ data, identity, store }: CallContext): JsonObject {
  const items = metadataFromList(data.metadata);
  const request = validateRequest(data, { model: "str", replace_metadata: "bool" }, ["model"]);
  const model = ownModel(store, identity.company, request.model);
  addOrUpdateMetadata(model, items, Boolean(request.replace_metadata));
  touch(model, identity.user, store.now());
  return { updated: 1 };
}

/** `models.delete_metadata` (API 2.13): `{updated: 1}`, even when no key existed. */
export function deleteModelMetadata({ data, identity, store }: CallContext): JsonObject {
  const keys = metadataKeys(data.keys);
  const request = validateRequest(data, { model: "str" }, ["model"]);
  const model = ownModel(store, identity.company, request.model);
  deleteMetadata(model, keys);
  touch(model, identity.user, store.now());
  return { updated: 1 };
}

function touch(model: Doc, user: string, now: number): void {
  Object.assign(model, { last_update: now, last_change: now, last_changed_by: user });
}
