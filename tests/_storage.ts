/**
 * Helpers of the S3 layer's tests: storages on the local stack's radosgw, unique prefixes,
 * random files written and hashed in bounded memory, and clean-up.
 */

import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { S3Storage, type S3StorageOptions } from "../src/storage/storage.ts";
import { stackValue } from "./_stack.ts";

/** 1 MiB. */
export const MiB = 1024 * 1024;

/** A storage on the platform bucket of the local stack. */
export function platformStorage(overrides: Partial<S3StorageOptions> = {}): S3Storage {
  return new S3Storage({
    endpoint: stackValue("CEPH_ENDPOINT_URL"),
    accessKey: stackValue("CEPH_ACCESS_KEY"),
    secretKey: stackValue("CEPH_SECRET_KEY"),
    bucket: stackValue("CEPH_BUCKET"),
    retry: { retries: 2, baseDelayMs: 50 },
    ...overrides,
  });
}

/** A prefix no other test run uses, ending with `/`. */
export function uniquePrefix(name: string): string {
  return `tests/storage/${name}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}/`;
}

/** A new empty temporary directory. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "aipmodel-storage-"));
}

/** Removes a temporary directory. */
export function removeDir(path: string): Promise<void> {
  return rm(path, { recursive: true, force: true });
}

/** Writes `size` random bytes to `path`, 1 MiB at a time; returns their sha256 (hex). */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const file = await open(path, "w");
  try {
    for (let written = 0; written < size;) {
      const chunk = randomBytes(Math.min(MiB, size - written));
      hash.update(chunk);
      await file.write(chunk, 0, chunk.length, written);
      written += chunk.length;
    }
  } finally {
    await file.close();
  }
  return hash.digest("hex");
}

/** The sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

/** The sha256 (hex) of bytes. */
export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The keys of the unfinished multipart uploads under `prefix`. */
export async function unfinishedUploads(storage: S3Storage, prefix: string): Promise<string[]> {
  const output = await (await storage.awsClient()).send(
    new ListMultipartUploadsCommand({ Bucket: storage.bucket, Prefix: prefix }),
  );
  return (output.Uploads ?? []).map((upload) => upload.Key ?? "");
}

/** Deletes everything under `prefix`, ignoring failures (clean-up must not hide a test's error). */
export async function cleanPrefix(storage: S3Storage, prefix: string): Promise<void> {
  await storage.deletePrefix(prefix).catch(() => {});
}

/** All the keys under `prefix`. */
export async function keysUnder(storage: S3Storage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of storage.list(prefix)) keys.push(object.key);
  return keys;
}
