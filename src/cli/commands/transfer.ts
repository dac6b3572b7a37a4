/**
 * `aipmodel transfer <source>`: copies a prefix or an object of a bucket into the registry's
 * bucket under `--dest-prefix` (no model is registered).
 *
 * @module
 */

import type { Command } from "commander";
import type { CliResult, Session } from "../session.ts";
import type { Run } from "./register.ts";

interface TransferFlags {
  destPrefix: string;
  s3Endpoint?: string;
  s3Bucket?: string;
  exclude?: string[];
  overwrite?: boolean;
}

/** Registers `transfer`. */
export function registerTransfer(program: Command, run: Run): void {
  program.command("transfer")
    .summary("copy S3 objects into the registry's bucket")
    .description(
      "Copy a prefix or an object of a bucket (another account's with EXT_S3_* keys, or your " +
        "own) into the registry's bucket under --dest-prefix. Existing keys are refused unless " +
        "--overwrite; a failure removes what was written.",
    )
    .argument("<source>", "a key or prefix of the source bucket")
    .requiredOption("--dest-prefix <prefix>", "where the objects go in the registry's bucket")
    .option("--s3-endpoint <url>", "the source endpoint (default: EXT_S3_ENDPOINT_URL)")
    .option("--s3-bucket <bucket>", "the source bucket (default: EXT_S3_BUCKET)")
    .option("--exclude <segment...>", "path segments to drop (default: .git .DS_Store)")
    .option("--overwrite", "replace existing keys")
    .addHelpText(
      "after",
      `
Keys come from EXT_S3_ACCESS_KEY / EXT_S3_SECRET_KEY (environment or --env-file).

Example:
  aipmodel transfer checkpoints/run-7/ --dest-prefix imports/run-7 --s3-bucket shared`,
    )
    .action((source: string, flags: TransferFlags, command: Command) =>
      run(command, (session) => transfer(session, source, flags))
    );
}

async function transfer(
  session: Session,
  source: string,
  flags: TransferFlags,
): Promise<CliResult> {
  const env = session.env;
  const result = await (await session.manager()).transferFromS3({
    sourcePath: source,
    destPrefix: flags.destPrefix,
    sourceEndpointUrl: flags.s3Endpoint ?? (env.EXT_S3_ENDPOINT_URL || undefined),
    sourceBucket: flags.s3Bucket ?? (env.EXT_S3_BUCKET || undefined),
    sourceAccessKey: env.EXT_S3_ACCESS_KEY || undefined,
    sourceSecretKey: env.EXT_S3_SECRET_KEY || undefined,
    exclude: flags.exclude,
    overwrite: flags.overwrite === true,
    signal: session.signal,
    onProgress: session.progress(),
  });
  return {
    records: [{ destPrefix: flags.destPrefix, ...result }],
    text: `Copied ${result.objects} objects (${result.bytes} bytes) to ${flags.destPrefix}`,
  };
}
