/**
 * The endpoints this server serves, with the registration details that affect routing: the
 * minimum API version, whether the call needs credentials, and `required_fields`.
 *
 * @module
 */

import { login } from "./auth.ts";
import type { EndpointHandler } from "./context.ts";
import { createModel, deleteModel, getAllModels, getModelById, setModelReady } from "./models.ts";
import {
  addOrUpdateModelMetadata,
  deleteModelMetadata,
  editModel,
  updateModel,
} from "./models_update.ts";
import { createProject, deleteProject, getAllProjects, getProjectById } from "./projects.ts";
import { parseVersion } from "./request.ts";
import type { ApiVersion } from "./types.ts";

/** One endpoint registration. */
export interface Endpoint {
  /** The lowest API version the endpoint answers (it is also `actual_version`). */
  minVersion: ApiVersion;
  /** False only for endpoints such as `debug.ping` that work without credentials. */
  authorize: boolean;
  /** Keys that must be present in the data (`400/11` otherwise). */
  requiredFields?: readonly string[];
  handle: EndpointHandler;
}

function endpoint(
  handle: EndpointHandler,
  minVersion = "1.0",
  extra: Partial<Endpoint> = {},
): Endpoint {
  return { minVersion: parseVersion(minVersion), authorize: true, handle, ...extra };
}

/** The endpoints by name. */
export const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map([
  [
    "debug.ping",
    endpoint(({ data }) => ({ ...data, msg: "ClearML server" }), "1.0", { authorize: false }),
  ],
  [
    "auth.login",
    endpoint(({ data, identity, store, auth, setCookie }) =>
      login(data, identity, store, auth).then((result) => {
        setCookie(result.cookie);
        return result.data;
      })
    ),
  ],
  ["projects.create", endpoint(createProject, "1.0", { requiredFields: ["name"] })],
  ["projects.get_all", endpoint(getAllProjects)],
  ["projects.get_by_id", endpoint(getProjectById)],
  ["projects.delete", endpoint(deleteProject)],
  ["models.create", endpoint(createModel)],
  ["models.get_all", endpoint(getAllModels)],
  ["models.get_by_id", endpoint(getModelById)],
  ["models.edit", endpoint(editModel)],
  ["models.update", endpoint(updateModel)],
  ["models.delete", endpoint(deleteModel)],
  ["models.set_ready", endpoint(setModelReady)],
  ["models.add_or_update_metadata", endpoint(addOrUpdateModelMetadata, "2.13")],
  ["models.delete_metadata", endpoint(deleteModelMetadata, "2.13")],
]);
