/**
 * Opens an S3 source for `addModel({ sourceType: "s3" })` and `transferFromS3`: explicit endpoint,
 * bucket and keys, or, when they are omitted, the registry's own (platform only; the embedded
 * registry has no S3 keys). The destination store is asked whether it can copy the objects
 * server-side.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { describeUrl } from "../http/fetch.ts";
import { s3Source } from "../sources/s3.ts";
import type { ObjectStore } from "./backend.ts";
import type { ModelSource } from "./source.ts";

/** Where the source objects are; every field but `path` may fall back to the registry's own. */
export interface S3SourceRequest {
  /** The source endpoint. */
  endpoint?: string | undefined;
  /** The source bucket. */
  bucket?: string | undefined;
  /** The source access key. */
  accessKey?: string | undefined;
  /** The source secret key. */
  secretKey?: string | undefined;
  /** A prefix or a key in the source bucket. */
  path: string;
  /** Path segments to skip. @default [".git", ".DS_Store"] */
  exclude?: readonly string[] | undefined;
  /** Stops the checks made while opening. */
  signal?: AbortSignal | undefined;
}

/** The `addModel` option names of {@link S3SourceRequest}'s fields. */
const ADD_MODEL_NAMES = {
  endpoint: "externalCephEndpointUrl",
  bucket: "externalCephBucketName",
  accessKey: "externalCephAccessKey",
  secretKey: "externalCephSecretKey",
} as const;

/**
 * Opens the source described by `request` for copying into `objects`. With no keys, the store's
 * own storage reads it (then every object is copied server-side); with keys, the endpoint and
 * bucket are required unless the store has its own.
 */
export async function openS3Request(
  objects: ObjectStore,
  request: S3SourceRequest,
  names: Record<keyof typeof ADD_MODEL_NAMES, string> = ADD_MODEL_NAMES,
): Promise<ModelSource> {
  const given = (value: string | undefined) => value !== undefined && value !== "";
  for (const field of ["endpoint", "bucket", "accessKey", "secretKey"] as const) {
    const value: unknown = request[field];
    if (value !== undefined && typeof value !== "string") {
      throw new ValidationError(names[field], "a string");
    }
  }
  const withKeys = given(request.accessKey) || given(request.secretKey);
  if (withKeys && !(given(request.accessKey) && given(request.secretKey))) {
    throw new ValidationError(
      given(request.accessKey) ? names.secretKey : names.accessKey,
      "given together with the other key",
    );
  }
  const own = objects.ownStorage?.();
  const bucket = given(request.bucket) ? request.bucket as string : own?.bucket;
  const endpoint = given(request.endpoint) ? request.endpoint as string : own?.endpoint;
  if (bucket === undefined || endpoint === undefined || (!withKeys && own === undefined)) {
    throw new ValidationError(
      names.endpoint,
      `with ${names.bucket}, ${names.accessKey} and ${names.secretKey} on this registry (it ` +
        "has no S3 keys of its own)",
    );
  }
  if (!withKeys && own !== undefined && describeUrl(endpoint) !== describeUrl(own.endpoint)) {
    throw new ValidationError(names.accessKey, `and ${names.secretKey} for another endpoint`);
  }
  const canCopyFrom = objects.canCopyFrom;
  const canCopy = canCopyFrom === undefined || objects.copyFromBucket === undefined
    ? undefined
    : (sourceBucket: string, key: string) =>
      canCopyFrom.call(objects, endpoint, sourceBucket, key, {
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
  return await s3Source({
    connection: withKeys || own === undefined
      ? { endpoint, accessKey: request.accessKey as string, secretKey: request.secretKey as string }
      : own,
    bucket,
    path: request.path,
    exclude: request.exclude,
    canCopy,
    signal: request.signal,
  });
}

/** `addModel`'s s3 options as a request. */
export function openS3Source(
  objects: ObjectStore,
  options: {
    sourcePath: string;
    externalCephEndpointUrl?: string | undefined;
    externalCephBucketName?: string | undefined;
    externalCephAccessKey?: string | undefined;
    externalCephSecretKey?: string | undefined;
    exclude?: readonly string[] | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<ModelSource> {
  return openS3Request(objects, {
    endpoint: options.externalCephEndpointUrl,
    bucket: options.externalCephBucketName,
    accessKey: options.externalCephAccessKey,
    secretKey: options.externalCephSecretKey,
    path: options.sourcePath,
    exclude: options.exclude,
    signal: options.signal,
  });
}
