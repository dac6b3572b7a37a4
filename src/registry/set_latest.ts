/**
 * `setLatestVersion`: points the model at another of its versions. Unlike the Python SDK it also
 * sets `modelFolderName` from that version, so that the top-level fields all describe the latest.
 *
 * @module
 */

import { NotFoundError } from "../errors.ts";
import type { BackendCallOptions } from "./backend.ts";
import { logOk, type RegistryContext } from "./context.ts";
import { requireModel } from "./model_entity.ts";
import { updateVersions } from "./publish.ts";
import { validateExistingVersion, validateModelName } from "./validate.ts";

/** Makes `version` the latest version of the model `modelName`. */
export async function setLatestVersion(
  context: RegistryContext,
  modelName: string,
  version: string,
  options: BackendCallOptions = {},
): Promise<void> {
  validateModelName(modelName);
  validateExistingVersion(version);
  const entity = await requireModel(context, { modelName }, options.signal);
  await updateVersions(context.backend, entity.id, (map) => {
    const info = map[version];
    if (!info) {
      throw new NotFoundError(
        "version",
        version,
        `Model '${modelName}' has no version '${version}'`,
      );
    }
    return { latest: version, folderName: String(info.folderName ?? "") };
  }, options.signal);
  logOk(context, `Latest version of '${modelName}' set to '${version}'`);
}
