/**
 * aipmodel: the model registry SDK for a ClearML + Ceph platform. It registers, uploads,
 * versions, downloads, lists and deletes machine-learning models; metadata lives in ClearML,
 * files in Ceph through its S3 gateway, in the storage format of the Python `aipmodel` SDK.
 *
 * @module
 */

export {
  AipModelError,
  type AipModelErrorOptions,
  AuthenticationError,
  ClearMLError,
  type ClearMLErrorDetails,
  ConnectionError,
  NotFoundError,
  ServiceError,
  type ServiceErrorOptions,
  type ServiceName,
  StorageError,
  type StorageErrorDetails,
  TimeoutError,
  ValidationError,
} from "./src/errors.ts";
export { DEFAULT_RETRY, type RetryOptions } from "./src/http/retry.ts";
export type { FetchLike } from "./src/http/fetch.ts";
