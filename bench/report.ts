/**
 * The benchmark's results: medians and ratios, the markdown table, and the description of the
 * machine the numbers came from.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { cpus, release, totalmem } from "node:os";
import type { ToolName } from "./tools.ts";

/** One timed run. */
export interface RoundResult {
  round: number;
  seconds: number;
  rssMiB: number;
  /** CPU seconds (user + system) of the client process (null: not measured). */
  clientCpuSeconds: number | null;
  /** CPU seconds radosgw and the OSD used while the command ran (the whole machine's work). */
  serverCpuSeconds: number | null;
  /** Set when the command failed or its download did not match the data. */
  error?: string;
}

/** All rounds of one client, one case, one direction. */
export interface Series {
  case: string;
  title: string;
  op: "upload" | "download";
  tool: ToolName;
  bytes: number;
  files: number;
  rounds: RoundResult[];
  /** Median wall seconds of the successful rounds (null: none succeeded). */
  medianSeconds: number | null;
  /** bytes / median, in MiB/s. */
  mibPerSecond: number | null;
  /** The largest peak RSS over the rounds, MiB. */
  peakRssMiB: number | null;
  /** Median CPU seconds of the client. */
  medianClientCpuSeconds: number | null;
  /** Median CPU seconds of radosgw + OSD during the command. */
  medianServerCpuSeconds: number | null;
}

/** The SDK against the peers in one case and direction. */
export interface Ratio {
  case: string;
  op: "upload" | "download";
  /** SDK median / awscli median. */
  sdkOverAwscli: number | null;
  /** SDK median / the fastest peer's median. */
  sdkOverBestPeer: number | null;
  bestPeer: ToolName | null;
  /** SDK median / the faster rclone line's median. */
  sdkOverBestRclone: number | null;
  /** The targets: <= 0.8 x awscli, <= 1.0 x best rclone, peak RSS < 200 MiB. */
  meetsTargets: boolean | null;
}

/** What a series is before {@link summarize}: its identity and rounds. */
export type SeriesInput = Pick<
  Series,
  "case" | "title" | "op" | "tool" | "bytes" | "files" | "rounds"
>;

/** Fills in medians, rates and peaks. */
export function summarize(series: SeriesInput): Series {
  const ok = series.rounds.filter((round) => round.error === undefined);
  const median = ok.length === 0 ? null : medianOf(ok.map((round) => round.seconds));
  return {
    ...series,
    medianSeconds: median,
    mibPerSecond: median === null ? null : series.bytes / 1024 ** 2 / median,
    peakRssMiB: ok.length === 0 ? null : Math.max(...ok.map((round) => round.rssMiB)),
    medianClientCpuSeconds: medianOrNull(ok.map((round) => round.clientCpuSeconds)),
    medianServerCpuSeconds: medianOrNull(ok.map((round) => round.serverCpuSeconds)),
  };
}

function medianOrNull(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : medianOf(known);
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The ratios of each case and direction that has an SDK series. */
export function ratios(all: Series[]): Ratio[] {
  const out: Ratio[] = [];
  for (const sdk of all.filter((series) => series.tool === "sdk")) {
    const peers = all.filter((series) =>
      series.case === sdk.case && series.op === sdk.op && series.tool !== "sdk" &&
      series.medianSeconds !== null
    );
    const over = (other: Series | undefined) =>
      sdk.medianSeconds === null || other?.medianSeconds == null
        ? null
        : sdk.medianSeconds / other.medianSeconds;
    const fastest = (list: Series[]) =>
      list.reduce<Series | undefined>(
        (best, series) =>
          best === undefined || series.medianSeconds! < best.medianSeconds! ? series : best,
        undefined,
      );
    const best = fastest(peers);
    const bestRclone = fastest(peers.filter((series) => series.tool.startsWith("rclone")));
    const aws = peers.find((series) => series.tool === "awscli");
    const vsAws = over(aws);
    const vsRclone = over(bestRclone);
    out.push({
      case: sdk.case,
      op: sdk.op,
      sdkOverAwscli: vsAws,
      sdkOverBestPeer: over(best),
      bestPeer: best?.tool ?? null,
      sdkOverBestRclone: vsRclone,
      meetsTargets: vsAws === null || vsRclone === null || sdk.peakRssMiB === null
        ? null
        : vsAws <= 0.8 && vsRclone <= 1.0 && sdk.peakRssMiB < 200,
    });
  }
  return out;
}

/** A number, or `missing` ("-": not measured; "failed": every round failed). */
const fixed = (value: number | null, digits: number, missing = "-") =>
  value === null ? missing : value.toFixed(digits);

/** The markdown tables: one row per case, direction and client; then the SDK's ratios. */
export function markdown(all: Series[], ratioRows: Ratio[]): string {
  const lines = [
    "| case | op | client | median s | MiB/s | peak RSS MiB | client CPU s | rgw+osd CPU s | rounds s |",
    "|---|---|---|---:|---:|---:|---:|---:|---|",
  ];
  for (const series of all) {
    const rounds = series.rounds.map((round) => round.error ? "fail" : round.seconds.toFixed(2));
    const missing = series.rounds.length > 0 ? "failed" : "-";
    lines.push(
      `| ${series.case.toUpperCase()}: ${series.title} | ${series.op} | ${series.tool} | ` +
        `${fixed(series.medianSeconds, 2, missing)} | ${
          fixed(series.mibPerSecond, 1, missing)
        } | ` +
        `${fixed(series.peakRssMiB, 0, missing)} | ${fixed(series.medianClientCpuSeconds, 1)} | ` +
        `${fixed(series.medianServerCpuSeconds, 1)} | ${rounds.join(", ") || "-"} |`,
    );
  }
  lines.push(
    "",
    "| case | op | SDK / awscli | SDK / best peer (which) | SDK / best rclone | targets met |",
    "|---|---|---:|---:|---:|---|",
  );
  for (const row of ratioRows) {
    const met = row.meetsTargets === null ? "n/a" : row.meetsTargets ? "yes" : "no";
    lines.push(
      `| ${row.case.toUpperCase()} | ${row.op} | ${fixed(row.sdkOverAwscli, 2)} | ` +
        `${fixed(row.sdkOverBestPeer, 2)} (${row.bestPeer ?? "-"}) | ` +
        `${fixed(row.sdkOverBestRclone, 2)} | ${met} |`,
    );
  }
  return lines.join("\n");
}

function firstLine(argv: string[]): string {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  const text = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  return text.split("\n")[0] ?? "";
}

/** The machine and the versions of everything measured. */
export function machine(repo: string): Record<string, unknown> {
  const bins = `${repo}/node_modules/.bin`;
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 1024 ** 3 * 10) / 10,
    kernel: release(),
    versions: {
      node: firstLine(["node", "--version"]),
      deno: firstLine([`${bins}/deno`, "--version"]),
      bun: firstLine([`${bins}/bun`, "--version"]),
      awscli: firstLine(["/usr/bin/aws", "--version"]),
      rclone: firstLine(["rclone", "version"]),
      radosgw: firstLine(["radosgw", "--version"]),
    },
  };
}
