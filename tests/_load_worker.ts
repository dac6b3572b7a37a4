/**
 * A child process of the load run (tests/_load.ts). Arguments: role (`add` or `get`), user
 * name, model name, seconds, a label (`auto` for automatic version names, else a version prefix
 * or the downloader's name), a work folder. It works until the time is up, then prints its
 * report as one JSON line. Not a test.
 */

import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { MLOpsManager } from "../src/registry/manager.ts";
import { directConnect } from "./_faults.ts";
import { checkLoadDownload, type WorkerReport, writeLoadSource } from "./_load.ts";

const [role, username, modelName, seconds, label, workDir] = process.argv.slice(-6) as [
  "add" | "get",
  string,
  string,
  string,
  string,
  string,
];
const manager = await MLOpsManager.connect(directConnect(username, {
  retry: { retries: 6, baseDelayMs: 50, maxDelayMs: 1000 },
}));
const deadline = Date.now() + Number(seconds) * 1000;
const report: WorkerReport = { role, published: [], downloads: 0, errors: [] };
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
try {
  for (let round = 1; Date.now() < deadline; round++) {
    const scratch = join(workDir, `${label}-${process.pid}-${round}`);
    try {
      if (role === "add") {
        const token = `${label}${round}-${randomBytes(6).toString("hex")}`;
        await writeLoadSource(scratch, token);
        const version = label === "auto" ? undefined : `${label}${round}`;
        await manager.addModel({ sourceType: "local", modelName, version, sourcePath: scratch });
        // The automatic name is read back from the version that carries this token.
        const name = version ?? await versionOf(token);
        report.published.push(name);
      } else {
        const info = await manager.getModelInfo(modelName);
        const versions = info.versions.map((version) => version.name);
        const pick = versions[Math.floor(Math.random() * versions.length)]!;
        const got = await manager.getModel({ modelName, version: pick, localDest: scratch });
        const wrong = await checkLoadDownload(got.path);
        if (wrong !== undefined) report.errors.push(wrong);
        report.downloads++;
      }
    } catch (error) {
      report.errors.push(`${label} round ${round}: ${message(error)}`);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
} finally {
  await manager.close();
}
process.stdout.write(`${JSON.stringify(report)}\n`);

/** The version whose `folderName` is this worker's scratch folder of `token`. */
async function versionOf(token: string): Promise<string> {
  const info = await manager.getModelInfo(modelName);
  // Scratch folders are unique per round, and folderName records the source folder's name.
  const round = token.slice(label.length).split("-")[0];
  const folder = `${label}-${process.pid}-${round}`;
  const found = info.versions.find((version) => version.folderName === folder);
  if (found === undefined) throw new Error(`no version with folderName ${folder}`);
  return found.name;
}
