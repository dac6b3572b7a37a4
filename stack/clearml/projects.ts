/**
 * `projects.create`, `projects.get_all`, `projects.get_by_id` and `projects.delete`
 * (reference §4).
 *
 * @module
 */

import type { CallContext } from "./context.ts";
import { ApiError, apiError, pyTypeName, validationError } from "./errors.ts";
import { listDocuments } from "./listing.ts";
import { descendantIds, PROJECT_LISTING, PROJECT_QUERY, projectOutput } from "./project_schema.ts";
import { buildQuery } from "./query.ts";
import { type Store, visibleTo } from "./store.ts";
import { newId } from "./time.ts";
import type { Doc, JsonObject } from "./types.ts";
import { checkTags, validateRequest } from "./validate.ts";

/** `services.projects.sub_projects.max_depth`. */
const MAX_DEPTH = 10;
const MIN_NAME_LENGTH = 3;

/**
 * `projects.create`: `{id}`. The name is normalised on `/`, missing parents are created, and the
 * full name is unique in the company.
 */
export function createProject({ data, identity, store }: CallContext): JsonObject {
  const name = data.name;
  if (name === null || name === undefined) {
    throw new ApiError(500, 0, "create() missing 1 required keyword-only argument: 'name'");
  }
  if (typeof name !== "string") {
    throw new ApiError(500, 0, `'${pyTypeName(name)}' object has no attribute 'split'`);
  }
  const fields = validateRequest(data, {
    description: "str",
    tags: "str[]",
    system_tags: "str[]",
    default_output_destination: "str",
  });
  checkTags(Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)));
  const rawParts = name.split("/").filter((part) => part !== "");
  if (rawParts.length > MAX_DEPTH) throw apiError(400, 409, { kwargs: { max_depth: MAX_DEPTH } });
  const parts = rawParts.map((part) => part.trim());
  if (parts.length === 0) throw apiError(400, 407, { kwargs: { name } });
  const fullName = parts.join("/");
  const company = identity.company;
  if (findWritableByName(store, company, fullName)) {
    throw apiError(400, 801, {
      replacement: "Project with the same name already exists",
      kwargs: { name: fullName, company },
    });
  }
  const now = store.now();
  // Every level that does not exist yet becomes a project whose basename must be long enough.
  for (let depth = 1; depth <= parts.length; depth++) {
    const exists = depth < parts.length &&
      findWritableByName(store, company, parts.slice(0, depth).join("/"));
    if (!exists && (parts[depth - 1] ?? "").length < MIN_NAME_LENGTH) {
      throw validationError("Project name cannot be blank");
    }
  }
  const owner = { user: identity.user, company, now };
  let parent: Doc | undefined;
  for (let depth = 1; depth < parts.length; depth++) {
    const levelName = parts.slice(0, depth).join("/");
    parent = findWritableByName(store, company, levelName) ??
      insertProject(store, levelName, { description: "" }, parent, owner);
  }
  const created = insertProject(store, fullName, fields, parent, owner);
  return { id: created.id ?? null };
}

function findWritableByName(store: Store, company: string, name: string): Doc | undefined {
  const matches = [...store.projects.values()].filter((doc) =>
    doc.name === name && (doc.company === company || doc.company === "")
  );
  const own = matches.find((doc) => doc.company === company);
  if (matches.length > 0 && !own) throw apiError(400, 414, { kwargs: { name } });
  return own;
}

function insertProject(
  store: Store,
  name: string,
  fields: JsonObject,
  parent: Doc | undefined,
  { user, company, now }: { user: string; company: string; now: number },
): Doc {
  const doc: Doc = {
    id: newId(),
    name,
    basename: name.split("/").pop() ?? name,
    description: typeof fields.description === "string" ? fields.description : "",
    user,
    company,
    created: now,
    tags: sorted(fields.tags),
    system_tags: sorted(fields.system_tags),
    last_update: now,
    featured: 9999,
    path: parent ? [...(Array.isArray(parent.path) ? parent.path : []), parent.id ?? null] : [],
  };
  if (typeof fields.default_output_destination === "string") {
    doc.default_output_destination = fields.default_output_destination.trim();
  }
  if (parent) {
    doc.parent = parent.id ?? null;
    parent.last_update = now;
  }
  store.projects.set(String(doc.id), doc);
  return doc;
}

function sorted(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string").sort() : [];
}

/**
 * `projects.get_all`: `{projects}`. Hidden projects are left out unless `search_hidden` or `id`
 * is given; `parent` means "below" unless `shallow_search`, which alone means top level.
 */
export function getAllProjects({ data, identity, store }: CallContext): JsonObject {
  const params = { ...data };
  delete params.path;
  if (!params.shallow_search) {
    if ("parent" in params) {
      params.path = params.parent ?? null;
      delete params.parent;
    }
  } else if (!("parent" in params)) {
    params.parent = [null];
  }
  const showHidden = Boolean(params.search_hidden) || Boolean(params.id);
  const matches = buildQuery(params, PROJECT_QUERY);
  const docs = [...store.projects.values()].filter((doc) =>
    visibleTo(doc, identity.company) && matches(doc) &&
    (showHidden || !(Array.isArray(doc.system_tags) && doc.system_tags.includes("hidden")))
  );
  const listing = listDocuments(docs, params, store, PROJECT_LISTING);
  return listing.scrollId === undefined
    ? { projects: listing.items }
    : { projects: listing.items, scroll_id: listing.scrollId };
}

/** `projects.get_by_id`: `{project}`; an unknown id is `400/401`. */
export function getProjectById({ data, identity, store }: CallContext): JsonObject {
  const request = validateRequest(data, { project: "str" }, ["project"]);
  const id = String(request.project);
  const doc = store.projects.get(id);
  if (!doc || !visibleTo(doc, identity.company)) throw apiError(400, 401, { kwargs: { id } });
  return { project: projectOutput(doc) };
}

/**
 * `projects.delete`: deletes the project and its sub-projects. Without `force`, non-archived
 * models block it (`400/405`); their models are detached, or deleted with `delete_contents`.
 */
export function deleteProject({ data, identity, store }: CallContext): JsonObject {
  const request = validateRequest(
    data,
    { project: "str", force: "bool", delete_contents: "bool", delete_external_artifacts: "bool" },
    ["project"],
  );
  const id = String(request.project);
  const doc = store.projects.get(id);
  if (!doc || !visibleTo(doc, identity.company)) throw apiError(400, 401, { kwargs: { id } });
  if (doc.company === "") {
    throw apiError(403, 21, { extra: `cannot modify public project(s), ids=('${id}',)` });
  }
  const ids = new Set([id, ...descendantIds(store, [id])]);
  const models = [...store.models.values()].filter((model) => ids.has(String(model.project)));
  const archived = (model: Doc) =>
    Array.isArray(model.system_tags) && model.system_tags.includes("archived");
  if (!request.force && models.some((model) => !archived(model))) {
    throw apiError(400, 405, { extra: "use force=true to delete", kwargs: { id } });
  }
  let result: JsonObject;
  if (request.delete_contents) {
    const urls = new Set<string>();
    for (const model of models) {
      if (typeof model.uri === "string" && model.uri) urls.add(model.uri);
      store.models.delete(String(model.id));
    }
    result = {
      disassociated_tasks: 0,
      deleted_models: models.length,
      deleted_tasks: 0,
      urls: { model_urls: [...urls], event_urls: [], artifact_urls: [] },
    };
  } else {
    for (const model of models) delete model.project;
    result = { disassociated_tasks: 0, deleted_models: 0, deleted_tasks: 0, urls: null };
  }
  for (const projectId of ids) store.projects.delete(projectId);
  return { deleted: ids.size, ...result };
}
