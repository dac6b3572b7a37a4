/**
 * Step 5 of `addModel` for a staged upload: the version is already published at its staging
 * path, complete; this moves it to `{version}/` while the metadata keeps pointing at complete
 * data (staging until the re-point, `{version}/` after it).
 *
 * @module
 */

import { logInfo, messageOf, type RegistryContext } from "./context.ts";
import { versionPrefix } from "./format.ts";
import { repointVersion } from "./publish.ts";
import { type FileTask, runTransfer } from "./transfer.ts";

/** Copies staging to `{version}/`, re-points the entry, deletes staging; never throws. */
export async function finishStaged(
  context: RegistryContext,
  modelId: string,
  version: string,
  staging: string,
): Promise<void> {
  const { objects } = context.backend;
  const target = versionPrefix(modelId, version);
  try {
    // The old data: after the publish nothing points at it any more.
    await objects.deletePrefix(target);
    const tasks: FileTask[] = [];
    for await (const entry of objects.list(staging)) {
      const relative = entry.key.slice(staging.length);
      tasks.push({
        name: relative,
        size: entry.size,
        run: async (call) => {
          await objects.copy(entry.key, target + relative, { signal: call.signal });
          return entry.size;
        },
      });
    }
    await runTransfer("upload", tasks, undefined, undefined);
    if (await repointVersion(context.backend, modelId, version, staging, target)) {
      await objects.deletePrefix(staging);
    } else {
      // Another writer replaced the entry meanwhile: our copy is referenced by nobody.
      logInfo(context, `Version '${version}' was replaced by another writer during the copy`);
      await objects.deletePrefix(staging);
    }
  } catch (error) {
    context.logger.warn?.(
      `Version '${version}' is published at ${staging}; moving it to ${target} failed: ` +
        messageOf(error),
    );
  }
}
