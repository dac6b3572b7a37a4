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
  IntegrityError,
  type IntegrityErrorDetails,
  NotFoundError,
  OperationAbortedError,
  ServiceError,
  type ServiceErrorOptions,
  type ServiceName,
  StorageError,
  type StorageErrorDetails,
  TimeoutError,
  ValidationError,
} from "./src/errors.ts";
export { DEFAULT_RETRY, type ResolvedRetryOptions, type RetryOptions } from "./src/http/retry.ts";
export type { FetchLike } from "./src/http/fetch.ts";
export type { Logger } from "./src/logger.ts";

export { type CallOptions, type ClearMLCaller, ClearMLClient } from "./src/clearml/client.ts";
export type { ClearMLClientOptions } from "./src/clearml/options.ts";
export { ProjectsAPI } from "./src/clearml/projects.ts";
export type {
  CreateProjectOptions,
  DeleteProjectOptions,
  ProjectListOptions,
} from "./src/clearml/projects.ts";
export { ModelsAPI } from "./src/clearml/models.ts";
export type {
  CreateModelOptions,
  DeleteModelOptions as ClearMLDeleteModelOptions,
  EditUriOptions,
  FindModelOptions,
  ModelListOptions,
  UpdateModelOptions,
} from "./src/clearml/model_options.ts";
export type {
  ListOptions,
  MetadataInput,
  MetadataItem,
  Model,
  OperationOptions,
  Project,
} from "./src/clearml/types.ts";
export { metadataItems, metadataValues } from "./src/clearml/metadata.ts";
export { exactNameRegex } from "./src/clearml/regex.ts";

export {
  fetchUserCredentials,
  type FetchUserCredentialsOptions,
  type UserCredentials,
} from "./src/platform/credentials.ts";
export { checkUserManagementHealth } from "./src/platform/health.ts";
export type { UserManagementOptions } from "./src/platform/options.ts";

export { S3Storage, type S3StorageOptions, type SignalOptions } from "./src/storage/storage.ts";
export type { S3ConnectionOptions } from "./src/storage/client.ts";
export type { PutFileOptions } from "./src/storage/upload.ts";
export type { PutBytesOptions, PutStreamOptions } from "./src/storage/put.ts";
export type { DownloadResult, GetFileOptions } from "./src/storage/download.ts";
export {
  DEFAULT_DOWNLOAD_RANGE_SIZE,
  DEFAULT_MEMORY_BUDGET,
  DEFAULT_TRANSFER_CONCURRENCY,
  DEFAULT_TRANSFER_PART_SIZE,
  TransferLimiter,
  type TransferTuning,
} from "./src/storage/limiter.ts";
export type { GetBytesOptions, GetStreamOptions } from "./src/storage/read.ts";
export type { ListOptions as StorageListOptions } from "./src/storage/list.ts";
export type { DeleteOptions } from "./src/storage/delete.ts";
export type { CopyOptions } from "./src/storage/copy.ts";
export type { PartOptions } from "./src/storage/options.ts";
export type { ObjectAttributes } from "./src/storage/multipart.ts";
export type {
  UnfinishedUpload as StorageUnfinishedUpload,
  UploadParts,
} from "./src/storage/uploads.ts";
export type { ObjectHead, StoredObject, TransferResult } from "./src/storage/objects.ts";
export type {
  StorageProgressEvent,
  StorageProgressListener,
  StorageTransferKind,
} from "./src/storage/progress.ts";

export { MLOpsManager, type MLOpsManagerOptions } from "./src/registry/manager.ts";
export type { ConnectOptions } from "./src/registry/connect_options.ts";
export type { AddModelOptions, SourceType } from "./src/registry/add_model.ts";
export type { GetModelOptions, GetModelResult } from "./src/registry/get_model.ts";
export type {
  VerifyFileReport,
  VerifyModelOptions,
  VerifyModelReport,
  VerifyStatus,
} from "./src/registry/verify_model.ts";
export {
  type Manifest,
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  type ManifestFile,
  type ManifestReference,
  MANIFESTS_FOLDER,
} from "./src/registry/manifest.ts";
export type { ModelSummary } from "./src/registry/list_models.ts";
export type { ModelInfo, ModelVersionInfo } from "./src/registry/model_info.ts";
export type { DeleteModelOptions } from "./src/registry/delete_model.ts";
export {
  GC_DEFAULT_AGE_MS,
  type GcOptions,
  type GcReport,
  type Orphan,
  type OrphanKind,
} from "./src/registry/gc.ts";
export type { TransferFromS3Options, TransferFromS3Result } from "./src/registry/transfer_s3.ts";
export type {
  TransferEvent,
  TransferFileState,
  TransferListener,
  TransferTotals,
} from "./src/registry/progress.ts";
export type {
  LocalSourceFile,
  ModelSource,
  SourceFile,
  SourceFileBase,
  StreamedSourceFile,
} from "./src/registry/source.ts";
export type {
  BackendCallOptions,
  GetFileCallOptions,
  HeldLock,
  ListFromOptions,
  MetadataStore,
  ModelEntity,
  ObjectEntry,
  ObjectStore,
  RegistryBackend,
  StoredFile,
  TransferCallOptions,
  TypedValue,
  UnfinishedUpload,
} from "./src/registry/backend.ts";
export type { VersionInfo, VersionsMap } from "./src/registry/format.ts";
export { type LocalBackendOptions, openLocalBackend } from "./src/local/backend.ts";
