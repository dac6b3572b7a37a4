/**
 * Deleting many objects: DeleteObjects in batches of 1000 (the S3 maximum), in Quiet mode, with
 * the per-key `Errors` of every answer checked. A partial delete is never reported as success:
 * every batch is tried, then one {@link StorageError} lists the keys left and why.
 *
 * @module
 */

import type { DeleteObjectsCommandOutput } from "@aws-sdk/client-s3";
import { StorageError, ValidationError } from "../errors.ts";
import type { StorageContext } from "./client.ts";
import { call } from "./call.ts";
import { listObjects } from "./list.ts";
import { checkInteger } from "./options.ts";
import { BoundedGroup } from "./pool.ts";

/** Options of {@link deleteKeys} and {@link deletePrefix}. */
export interface DeleteOptions {
  /**
   * How many batches of 1000 keys are deleted at the same time.
   * @default 4
   */
  concurrency?: number;
  /** Stops the deletion between batches (a batch sent may still take effect). */
  signal?: AbortSignal;
}

const BATCH = 1000;

/** Characters XML 1.0 cannot carry, even escaped. */
// deno-lint-ignore no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/**
 * Deletes `keys` (exact keys; absent ones count as deleted, as in S3) and returns how many were
 * asked for. Throws a {@link StorageError} naming the keys that could not be deleted, after
 * trying every batch; its `cause` is an `AggregateError` of one StorageError per key.
 *
 * @example
 * ```ts ignore
 * const count = await deleteKeys(context, ["a/1.bin", "a/2.bin"]);
 * ```
 */
export async function deleteKeys(
  context: StorageContext,
  keys: Iterable<string> | AsyncIterable<string>,
  options: DeleteOptions = {},
): Promise<number> {
  const concurrency = checkInteger("concurrency", options.concurrency ?? 4, 1);
  const group = new BoundedGroup(concurrency, options.signal);
  const failures: StorageError[] = [];
  let count = 0;
  let batch: string[] = [];
  const send = (chunk: string[]) =>
    group.add(async (signal) => {
      // DeleteObjects sends the keys as XML 1.0, which cannot hold most control characters
      // (radosgw answers 400 to the whole batch): such keys go one DeleteObject each.
      const plain = chunk.filter((key) => !XML_INVALID.test(key));
      for (const key of chunk.filter((key) => XML_INVALID.test(key))) {
        await call(context, { operation: "DeleteObject", key }, signal, (options) =>
          context.sdk().then(({ client, s3 }) =>
            client.send(
              new s3.DeleteObjectCommand({ Bucket: context.bucket, Key: key }),
              options,
            )
          ));
      }
      if (plain.length === 0) {
        return;
      }
      const output = await call(context, { operation: "DeleteObjects" }, signal, (options) =>
        context.sdk().then(({ client, s3 }) =>
          client.send(
            new s3.DeleteObjectsCommand({
              Bucket: context.bucket,
              Delete: { Objects: plain.map((Key) => ({ Key })), Quiet: true },
            }),
            options,
          )
        ));
      failures.push(...deleteFailures(context, output));
    });
  try {
    for await (const key of keys) {
      batch.push(key);
      count++;
      if (batch.length === BATCH) {
        await send(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await send(batch);
  } catch (error) {
    group.fail(error);
  }
  await group.done();
  if (failures.length > 0) throw combineFailures(context, failures);
  return count;
}

/**
 * Deletes every object under the "folder" `prefix` and returns how many. The prefix is made to
 * end with `/` first, so `models/ab` deletes `models/ab/...` and never `models/abc/...`; an empty
 * prefix (the whole bucket) is refused.
 *
 * @example
 * ```ts ignore
 * await deletePrefix(context, "_models/abc/v1"); // deletes _models/abc/v1/..., not v10/
 * ```
 */
export async function deletePrefix(
  context: StorageContext,
  prefix: string,
  options: DeleteOptions = {},
): Promise<number> {
  const folder = normalizeFolder(prefix);
  const keys = (async function* () {
    for await (const object of listObjects(context, folder, options)) yield object.key;
  })();
  return await deleteKeys(context, keys, options);
}

/** `prefix` with one trailing `/`; refuses a prefix that would mean the whole bucket. */
export function normalizeFolder(prefix: string): string {
  const folder = prefix.endsWith("/") ? prefix : `${prefix}/`;
  if (folder.replace(/\/+$/, "") === "") {
    throw new ValidationError("prefix", "a non-empty folder prefix (the whole bucket is refused)");
  }
  return folder;
}

/** One StorageError per key that a DeleteObjects answer says was not deleted. */
export function deleteFailures(
  context: Pick<StorageContext, "bucket">,
  output: Pick<DeleteObjectsCommandOutput, "Errors">,
): StorageError[] {
  return (output.Errors ?? []).map((entry) => {
    const key = entry.Key ?? "(no key)";
    const code = entry.Code ?? "UnknownError";
    const said = entry.Message === undefined || entry.Message === "" ? "" : `: ${entry.Message}`;
    return new StorageError(
      `S3 DeleteObjects could not delete s3://${context.bucket}/${key} (${code}${said})`,
      { operation: "DeleteObjects", bucket: context.bucket, key, code },
    );
  });
}

/** One error for all the keys a deletion left, listing the first ten. */
export function combineFailures(
  context: Pick<StorageContext, "bucket">,
  failures: StorageError[],
): StorageError {
  const shown = failures.slice(0, 10).map((failure) => `${failure.key} (${failure.code})`);
  const more = failures.length > 10 ? `, and ${failures.length - 10} more` : "";
  const codes = new Set(failures.map((failure) => failure.code));
  const [first] = codes;
  return new StorageError(
    `S3 DeleteObjects left ${failures.length} key(s) of s3://${context.bucket} undeleted: ` +
      `${shown.join(", ")}${more}`,
    {
      operation: "DeleteObjects",
      bucket: context.bucket,
      ...(codes.size === 1 && first !== undefined ? { code: first } : {}),
      cause: new AggregateError(failures, `${failures.length} key(s) not deleted`),
    },
  );
}
