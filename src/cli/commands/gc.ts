/**
 * `aipmodel gc`: finds (and, without `--dry-run`, removes) what failed or interrupted operations
 * left in the bucket: staging folders, version folders no `versions_map` names, loose objects,
 * folders of deleted models and unfinished multipart uploads.
 *
 * @module
 */

import type { Command } from "commander";
import { AipModelError } from "../../errors.ts";
import { GC_DEFAULT_AGE_MS } from "../../registry/gc.ts";
import type { CliResult, Session } from "../session.ts";
import { table } from "../table.ts";
import { UsageError } from "../usage_error.ts";
import { formatBytes } from "../units.ts";
import type { Run } from "./register.ts";

interface GcFlags {
  dryRun?: boolean;
  olderThan: string;
  model?: string[];
}

/** Registers `gc`. */
export function registerGc(program: Command, run: Run): void {
  program.command("gc")
    .summary("find and remove orphaned objects and uploads")
    .description(
      "List what failed or interrupted operations left behind (staging folders, unreferenced " +
        "version folders and objects, folders of deleted models, unfinished multipart uploads) " +
        "and remove it. Anything newer than --older-than, a reserved version and anything a " +
        "versions_map or uri names are never touched.",
    )
    .option("--dry-run", "only list the orphans")
    .option(
      "--older-than <minutes>",
      "only what was last written this many minutes ago or earlier",
      String(GC_DEFAULT_AGE_MS / 60_000),
    )
    .option("--model <id...>", "only these model ids")
    .addHelpText(
      "after",
      `
Examples:
  aipmodel gc --dry-run --env-file .env        # list, remove nothing
  aipmodel gc --older-than 10                  # remove orphans older than 10 minutes`,
    )
    .action((flags: GcFlags, command: Command) => run(command, (session) => gc(session, flags)));
}

async function gc(session: Session, flags: GcFlags): Promise<CliResult> {
  const minutes = Number(flags.olderThan);
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new UsageError(`--older-than must be a number of minutes (got '${flags.olderThan}')`);
  }
  const report = await (await session.manager()).gc({
    dryRun: flags.dryRun === true,
    olderThanMs: minutes * 60_000,
    modelIds: flags.model,
    signal: session.signal,
  });
  const failed = report.orphans.filter((orphan) => orphan.error !== undefined);
  const records = report.orphans.map((orphan) => ({ ...orphan }));
  const rows = report.orphans.map((orphan) => [
    orphan.kind,
    orphan.prefix,
    String(orphan.objects),
    formatBytes(orphan.bytes),
    report.dryRun ? "-" : orphan.removed ? "removed" : `kept: ${orphan.error ?? "skipped"}`,
  ]);
  const summary = `${report.orphans.length} orphan(s), ${
    formatBytes(
      report.orphans.reduce((sum, orphan) => sum + orphan.bytes, 0),
    )
  }; ${report.dryRun ? "dry run, nothing removed" : `${report.removed} removed`}`;
  return {
    records,
    text: rows.length === 0
      ? "No orphans."
      : `${table(["KIND", "WHERE", "OBJECTS", "SIZE", "RESULT"], rows)}\n${summary}`,
    // The orphans found are still the answer; a removal that failed makes the exit code 1.
    failure: failed.length === 0 ? undefined : new AipModelError(
      `gc could not remove ${failed.length} orphan(s): ${failed[0]?.error ?? "unknown"}`,
    ),
  };
}
