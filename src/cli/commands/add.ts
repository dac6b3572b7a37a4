/**
 * `aipmodel add <source>`: uploads a version from a local folder or file, a Hugging Face repo or
 * an S3 prefix.
 *
 * @module
 */

import type { Command } from "commander";
import type { AddModelOptions, SourceType } from "../../registry/add_model.ts";
import type { CliResult, Session } from "../session.ts";
import { UsageError } from "../usage_error.ts";
import type { Run } from "./register.ts";

interface AddFlags {
  name: string;
  version?: string;
  source: string;
  code?: string;
  tag?: string[];
  category?: string;
  revision?: string;
  hfEndpoint?: string;
  include?: string[];
  exclude?: string[];
  s3Endpoint?: string;
  s3Bucket?: string;
}

const SOURCES: readonly SourceType[] = ["local", "hf", "s3"];

/** Registers `add`. */
export function registerAdd(program: Command, run: Run): void {
  program.command("add")
    .summary("upload a model version")
    .description(
      "Upload a version of a model from a local folder or file, a Hugging Face Hub repo " +
        "(--source hf) or a prefix of an S3 bucket (--source s3). The version becomes the latest.",
    )
    .argument("<source>", "folder or file; `owner/name` for hf; key or prefix for s3")
    .requiredOption("-n, --name <name>", "the model's name")
    .option("-v, --version <version>", "the version name (default: the next _v<N>)")
    .option("-s, --source <type>", "local, hf or s3", "local")
    .option("--code <file>", "a file stored as model.py at the version root")
    .option("--tag <tag...>", "tags added to the model's tags")
    .option("--category <category>", `"Text Generation" or "Image Classification"`)
    .option("--revision <rev>", "hf: branch, tag or commit (default: main)")
    .option("--hf-endpoint <url>", "hf: the Hub or a mirror (default: HF_ENDPOINT)")
    .option("--include <pattern...>", "hf: only files matching these patterns")
    .option("--exclude <pattern...>", "hf: patterns to drop; s3: path segments to drop")
    .option("--s3-endpoint <url>", "s3: the source endpoint (default: EXT_S3_ENDPOINT_URL)")
    .option("--s3-bucket <bucket>", "s3: the source bucket (default: EXT_S3_BUCKET)")
    .addHelpText(
      "after",
      `
Secrets are read from the environment (or --env-file), never from flags:
  HF_TOKEN for private and gated repos; EXT_S3_ACCESS_KEY / EXT_S3_SECRET_KEY for another
  account's bucket (omit them to read your own bucket with your own keys).

Examples:
  aipmodel add ./my-model --name demo --version v1 --local-dir ./registry
  aipmodel add ./weights.safetensors --name demo            # next automatic version
  aipmodel add bert-base-uncased --source hf --name bert --include "*.json" "*.safetensors"
  aipmodel add datasets/run-7/ --source s3 --name run7 --s3-bucket shared-models`,
    )
    .action((source: string, flags: AddFlags, command: Command) =>
      run(command, (session) => add(session, source, flags))
    );
}

async function add(session: Session, source: string, flags: AddFlags): Promise<CliResult> {
  const sourceType = flags.source as SourceType;
  if (!SOURCES.includes(sourceType)) {
    throw new UsageError(`--source must be local, hf or s3 (got '${flags.source}')`);
  }
  const env = session.env;
  const options: AddModelOptions = {
    sourceType,
    modelName: flags.name,
    sourcePath: source,
    version: flags.version,
    codePath: flags.code,
    tags: flags.tag,
    category: flags.category,
    signal: session.signal,
    onProgress: session.progress(),
  };
  if (sourceType === "hf") {
    Object.assign(options, {
      revision: flags.revision,
      hfToken: env.HF_TOKEN || undefined,
      hfEndpoint: flags.hfEndpoint ?? (env.HF_ENDPOINT || undefined),
      include: flags.include,
      exclude: flags.exclude,
    });
  }
  if (sourceType === "s3") {
    Object.assign(options, {
      externalCephEndpointUrl: flags.s3Endpoint ?? (env.EXT_S3_ENDPOINT_URL || undefined),
      externalCephBucketName: flags.s3Bucket ?? (env.EXT_S3_BUCKET || undefined),
      externalCephAccessKey: env.EXT_S3_ACCESS_KEY || undefined,
      externalCephSecretKey: env.EXT_S3_SECRET_KEY || undefined,
      exclude: flags.exclude,
    });
  }
  const manager = await session.manager();
  const id = await manager.addModel(options);
  // The automatic name is the latest right after the publish (another writer may follow).
  const version = flags.version ?? (await manager.getModelInfo(id, { signal: session.signal }))
    .latest;
  const { files, bytes } = session.transferred;
  return {
    records: [{ model: flags.name, id, version, files, bytes }],
    text: `Added ${flags.name} version ${version} (${files} files, ${bytes} bytes), id ${id}`,
  };
}
