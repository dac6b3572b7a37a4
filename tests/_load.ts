/**
 * The load run, shared by the suite's short form (tests/load_test.ts) and the long one
 * (scripts/load.ts): `adders` processes add versions to one model of the platform while
 * `downloaders` processes download random versions of it, for a bounded time. Then every version
 * published must be in `versions_map` with all its objects at their sizes, and every download must
 * have matched its version's content. Not a test.
 *
 * A version's content is derived from a token written in it (`id.txt`), so a download is checked
 * against what that version must hold, whatever its name (automatic `_v<N>` names included).
 */

import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseVersionsMap } from "../src/registry/format.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import { runChild } from "./_child.ts";
import { directConnect } from "./_faults.ts";

/** The files of every version, and their sizes. */
export const LOAD_FILES: Readonly<Record<string, number>> = {
  "config.json": 0, // its size depends on the token
  "id.txt": 0,
  "weights.bin": 300_000,
};

/** The bytes of `file` in the version carrying `token`. */
export function loadContent(token: string, file: string): Uint8Array {
  if (file === "id.txt") return new TextEncoder().encode(token);
  if (file === "config.json") return new TextEncoder().encode(JSON.stringify({ token }));
  const size = LOAD_FILES[file] ?? 0;
  const out = new Uint8Array(size);
  for (let offset = 0, block = 0; offset < size; block++) {
    const digest = createHash("sha256").update(`${token}/${file}/${block}`).digest();
    out.set(digest.subarray(0, Math.min(digest.length, size - offset)), offset);
    offset += digest.length;
  }
  return out;
}

/** Writes a version's source folder for `token`. */
export async function writeLoadSource(folder: string, token: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const file of Object.keys(LOAD_FILES)) {
    await writeFile(join(folder, file), loadContent(token, file));
  }
}

/** Checks a downloaded version folder; returns what is wrong, or `undefined`. */
export async function checkLoadDownload(folder: string): Promise<string | undefined> {
  let token: string;
  try {
    token = await readFile(join(folder, "id.txt"), "utf8");
  } catch (error) {
    return `${folder}: no id.txt (${error})`;
  }
  for (const file of Object.keys(LOAD_FILES)) {
    const got = await readFile(join(folder, file)).catch(() => undefined);
    const expected = loadContent(token, file);
    if (got === undefined || !Buffer.from(got).equals(Buffer.from(expected))) {
      return `${folder}/${file} does not match version token ${token}`;
    }
  }
  return undefined;
}

/** What a worker process reports (its last output line). */
export interface WorkerReport {
  role: "add" | "get";
  /** add: versions published. */
  published: string[];
  /** get: downloads checked. */
  downloads: number;
  /** Failures (an addModel or getModel that threw, a mismatch). */
  errors: string[];
}

/** What a load run measured and found. */
export interface LoadResult {
  seconds: number;
  published: number;
  downloads: number;
  versionsInMap: number;
  /** Every problem found: worker errors, missing versions, missing or wrong-size objects. */
  problems: string[];
}

const WORKER = fileURLToPath(new URL("./_load_worker.ts", import.meta.url));

/** Runs the load on a fresh project of the local stack; see the module documentation. */
export async function runLoad(options: {
  seconds: number;
  adders: number;
  downloaders: number;
  username: string;
  workDir: string;
}): Promise<LoadResult> {
  const modelName = "load_model";
  const { username, workDir, seconds } = options;
  const manager = await MLOpsManager.connect(directConnect(username));
  try {
    // v0 first, so that the downloaders have something from the start.
    await writeLoadSource(join(workDir, "v0"), "v0-token");
    await manager.addModel({
      sourceType: "local",
      modelName,
      version: "v0",
      sourcePath: join(workDir, "v0"),
    });
    const started = Date.now();
    const runs: Promise<string>[] = [];
    for (let index = 0; index < options.adders; index++) {
      // Half the adders name their versions, half take the automatic `_v<N>`.
      const naming = index % 2 === 0 ? `a${index}_` : "auto";
      runs.push(runChild(WORKER, ["add", username, modelName, String(seconds), naming, workDir]));
    }
    for (let index = 0; index < options.downloaders; index++) {
      runs.push(
        runChild(WORKER, ["get", username, modelName, String(seconds), `g${index}`, workDir]),
      );
    }
    const settled = await Promise.allSettled(runs);
    const elapsed = (Date.now() - started) / 1000;
    const problems: string[] = [];
    const reports: WorkerReport[] = [];
    for (const outcome of settled) {
      if (outcome.status === "rejected") {
        problems.push(`a worker failed: ${outcome.reason}`);
        continue;
      }
      const report = JSON.parse(outcome.value.trim().split("\n").at(-1)!) as WorkerReport;
      reports.push(report);
      problems.push(...report.errors.map((error) => `${report.role}: ${error}`));
    }
    const published = ["v0", ...reports.flatMap((report) => report.published)];
    const [entity, ...others] = await manager.backend.metadata.findByName(modelName);
    if (entity === undefined || others.length > 0) {
      problems.push(`expected one model, found ${others.length + (entity ? 1 : 0)}`);
      return {
        seconds: elapsed,
        published: published.length,
        downloads: 0,
        versionsInMap: 0,
        problems,
      };
    }
    const map = parseVersionsMap(entity.metadata.versions_map);
    for (const version of published) {
      if (map[version] === undefined) problems.push(`version ${version} is not in versions_map`);
    }
    if (Number(entity.metadata.version_count) !== Object.keys(map).length) {
      problems.push(
        `version_count ${entity.metadata.version_count} for ${Object.keys(map).length}`,
      );
    }
    // Every version in the map is complete: all its objects, at their sizes.
    for (const [version, info] of Object.entries(map)) {
      const sizes = new Map<string, number>();
      for await (const entry of manager.backend.objects.list(String(info.path))) {
        sizes.set(entry.key.slice(String(info.path).length), entry.size);
      }
      const token = version === "v0" ? "v0-token" : undefined;
      for (const file of Object.keys(LOAD_FILES)) {
        const size = sizes.get(file);
        if (size === undefined) problems.push(`${version}: ${file} is missing`);
        else if (LOAD_FILES[file] !== 0 && size !== LOAD_FILES[file]) {
          problems.push(`${version}: ${file} holds ${size} bytes`);
        } else if (token !== undefined && size !== loadContent(token, file).length) {
          problems.push(`${version}: ${file} holds ${size} bytes`);
        }
      }
      if (sizes.size !== Object.keys(LOAD_FILES).length) {
        problems.push(`${version}: ${sizes.size} objects`);
      }
    }
    return {
      seconds: elapsed,
      published: published.length,
      downloads: reports.reduce((sum, report) => sum + report.downloads, 0),
      versionsInMap: Object.keys(map).length,
      problems,
    };
  } finally {
    const found = await manager.backend.metadata.findByName(modelName).catch(() => []);
    for (const entity of found) await manager.deleteModel({ modelId: entity.id }).catch(() => {});
    await manager.close();
  }
}
