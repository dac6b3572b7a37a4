/**
 * ClearML projects: create, list, look up by id or exact name, delete.
 *
 * @module
 */

import { ClearMLError, ServiceError } from "../errors.ts";
import type { ClearMLCaller } from "./client.ts";
import { collect, pageThrough } from "./paging.ts";
import { exactNameRegex } from "./regex.ts";
import type { ListOptions, OperationOptions, Project } from "./types.ts";
import { requireText } from "./validate.ts";

/**
 * What {@link ProjectsAPI.create} takes.
 *
 * @example
 * ```ts
 * import type { CreateProjectOptions } from "./projects.ts";
 * const options: CreateProjectOptions = { name: "project_alice", description: "alice's models" };
 * ```
 */
export interface CreateProjectOptions extends OperationOptions {
  /** The full project name (`a/b/c` creates the missing parents); unique per company. */
  name: string;
  /**
   * The description.
   * @default ""
   */
  description?: string | undefined;
  /** Tags of the project. */
  tags?: readonly string[] | undefined;
}

/**
 * Filters of {@link ProjectsAPI.getAll} and {@link ProjectsAPI.iterate}.
 *
 * @example
 * ```ts
 * import type { ProjectListOptions } from "./projects.ts";
 * const options: ProjectListOptions = { name: "project_alice", onlyFields: ["name"] };
 * ```
 */
export interface ProjectListOptions extends ListOptions {
  /** Only the project with exactly this name (not a pattern). */
  name?: string | undefined;
}

/**
 * What {@link ProjectsAPI.delete} takes.
 *
 * @example
 * ```ts
 * import type { DeleteProjectOptions } from "./projects.ts";
 * const options: DeleteProjectOptions = { force: true, deleteContents: true };
 * ```
 */
export interface DeleteProjectOptions extends OperationOptions {
  /**
   * Delete even if non-archived models or tasks are in it.
   * @default false
   */
  force?: boolean | undefined;
  /**
   * With `force`, delete its models and tasks too (else they move to the root).
   * @default false
   */
  deleteContents?: boolean | undefined;
}

/** ClearML's "no such project" (400/401). */
const INVALID_PROJECT_ID = 401;
/** ClearML's "project with the same name already exists" (400/801). */
const PROJECT_EXISTS = 801;

/**
 * The `projects.*` endpoints of ClearML.
 *
 * @example
 * ```ts ignore
 * import { ClearMLClient } from "./client.ts";
 * import { ProjectsAPI } from "./projects.ts";
 * const projects = new ProjectsAPI(new ClearMLClient({ apiHost, accessKey, secretKey }));
 * const id = await projects.getOrCreate({ name: "project_alice" });
 * const all = await projects.getAll();
 * ```
 */
export class ProjectsAPI {
  readonly #client: ClearMLCaller;

  /** Wraps a client (usually a `ClearMLClient`). */
  constructor(client: ClearMLCaller) {
    this.#client = client;
  }

  /** Creates a project and returns its id; a duplicate name is a `ClearMLError` 400/801. */
  async create(options: CreateProjectOptions): Promise<string> {
    const body: Record<string, unknown> = {
      name: requireText("name", options.name),
      description: options.description ?? "",
    };
    if (options.tags !== undefined) body.tags = [...options.tags];
    const data = await this.#client.call<{ id?: unknown }>("projects.create", body, {
      signal: options.signal,
    });
    if (typeof data.id !== "string") {
      throw new ServiceError("clearml", "ClearML answered projects.create without an id");
    }
    return data.id;
  }

  /**
   * The id of the project named exactly `name`, creating it when there is none. Safe when two
   * processes race to create it: the loser of the race finds the winner's project.
   */
  async getOrCreate(options: CreateProjectOptions): Promise<string> {
    const existing = await this.getByName(options.name, options);
    if (existing !== null) return existing.id;
    try {
      return await this.create(options);
    } catch (error) {
      if (!(error instanceof ClearMLError && error.resultSubcode === PROJECT_EXISTS)) throw error;
      const winner = await this.getByName(options.name, options);
      if (winner === null) throw error;
      return winner.id;
    }
  }

  /** Every project matching the filters, all pages. */
  getAll(options: ProjectListOptions = {}): Promise<Project[]> {
    return collect(this.iterate(options));
  }

  /** Every project matching the filters, fetched page by page as the loop advances. */
  iterate(options: ProjectListOptions = {}): AsyncGenerator<Project, void, undefined> {
    const { name } = options;
    const filters: Record<string, unknown> = {};
    if (name !== undefined) filters.name = exactNameRegex(requireText("name", name));
    return pageThrough<Project>(this.#client, {
      endpoint: "projects.get_all",
      key: "projects",
      filters,
      ...(name === undefined
        ? {}
        : { requiredFields: ["name"], accept: (project: Project) => project.name === name }),
    }, options);
  }

  /** The project with this id, or `null` when there is none. */
  async getById(projectId: string, options: OperationOptions = {}): Promise<Project | null> {
    try {
      const data = await this.#client.call<{ project?: Project }>(
        "projects.get_by_id",
        { project: requireText("projectId", projectId) },
        { signal: options.signal },
      );
      if (typeof data.project?.id !== "string") {
        throw new ServiceError("clearml", "ClearML answered projects.get_by_id without a project");
      }
      return data.project;
    } catch (error) {
      if (isNoSuchProject(error)) return null;
      throw error;
    }
  }

  /** The project named exactly `name` (an anchored, escaped pattern, checked again here), or `null`. */
  async getByName(name: string, options: OperationOptions = {}): Promise<Project | null> {
    for await (const project of this.iterate({ name, signal: options.signal })) return project;
    return null;
  }

  /**
   * Deletes a project (and its sub-projects). Returns `false` when there was no such project.
   * Without `force`, a project holding non-archived models fails with `ClearMLError` 400/405.
   */
  async delete(projectId: string, options: DeleteProjectOptions = {}): Promise<boolean> {
    const body: Record<string, unknown> = { project: requireText("projectId", projectId) };
    if (options.force !== undefined) body.force = options.force;
    if (options.deleteContents !== undefined) body.delete_contents = options.deleteContents;
    try {
      await this.#client.call("projects.delete", body, { signal: options.signal });
      return true;
    } catch (error) {
      if (isNoSuchProject(error)) return false;
      throw error;
    }
  }
}

function isNoSuchProject(error: unknown): boolean {
  return error instanceof ClearMLError && error.resultCode === 400 &&
    error.resultSubcode === INVALID_PROJECT_ID;
}
