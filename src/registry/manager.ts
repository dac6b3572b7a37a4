/**
 * {@link MLOpsManager}: the registry operations of the Python `aipmodel` SDK, written once against
 * a {@link RegistryBackend} (ClearML + S3 on the platform, a folder in the embedded registry).
 *
 * @module
 */

import type { ModelsAPI } from "../clearml/models.ts";
import type { ProjectsAPI } from "../clearml/projects.ts";
import type { Logger } from "../logger.ts";
import { addModel, type AddModelOptions } from "./add_model.ts";
import type { BackendCallOptions, RegistryBackend } from "./backend.ts";
import { connect, platformApis } from "./connect.ts";
import type { ConnectOptions } from "./connect_options.ts";
import type { RegistryContext } from "./context.ts";
import { deleteModel, type DeleteModelOptions } from "./delete_model.ts";
import { gc, type GcOptions, type GcReport } from "./gc.ts";
import { getModel, type GetModelOptions, type GetModelResult } from "./get_model.ts";
import { listModels, type ModelSummary } from "./list_models.ts";
import { getModelInfo, type ModelInfo } from "./model_info.ts";
import { setLatestVersion } from "./set_latest.ts";
import type { TransferTuning } from "../storage/limiter.ts";
import { verifyModel, type VerifyModelOptions, type VerifyModelReport } from "./verify_model.ts";
import {
  transferFromS3,
  type TransferFromS3Options,
  type TransferFromS3Result,
} from "./transfer_s3.ts";

/** Options of the {@link MLOpsManager} constructor. */
export interface MLOpsManagerOptions {
  /** Where metadata and objects live. */
  backend: RegistryBackend;
  /** Where `[OK]`/`[INFO]` lines and warnings go. @default console */
  logger?: Logger | undefined;
  /** Whether to write the Python SDK's `[OK]`/`[INFO]` lines. @default false */
  verbose?: boolean | undefined;
  /**
   * The transfer knobs (`concurrency` 16, `partSize` 8 MiB, `memoryBudget` 96 MiB by default) of
   * every `addModel`/`getModel` that does not give its own.
   */
  tuning?: TransferTuning | undefined;
}

/**
 * The model registry: add, get, list, inspect and delete model versions.
 *
 * @example The embedded registry
 * ```ts ignore
 * import { MLOpsManager } from "./manager.ts";
 * import { openLocalBackend } from "../local/backend.ts";
 * const manager = new MLOpsManager({ backend: await openLocalBackend(".aipmodel") });
 * const id = await manager.addModel({ sourceType: "local", modelName: "demo", sourcePath: "./model" });
 * console.log(id, await manager.listModels());
 * ```
 */
export class MLOpsManager {
  readonly #context: RegistryContext;

  /**
   * Internal: builds a manager over an opened backend. Applications call
   * `MLOpsManager.connect(...)`, which opens the backend and checks the services first.
   */
  constructor(options: MLOpsManagerOptions) {
    this.#context = {
      backend: options.backend,
      logger: options.logger ?? console,
      verbose: options.verbose ?? false,
      tuning: options.tuning,
    };
  }

  /**
   * Connects (token, direct keys or `localDir`; see `ConnectOptions`), checking every service.
   */
  static connect(options?: ConnectOptions): Promise<MLOpsManager> {
    return connect(options);
  }

  /** The ClearML `projects.*` wrapper (platform only; the embedded registry throws). */
  get projects(): ProjectsAPI {
    return platformApis(this.#context.backend).projects;
  }

  /** The ClearML `models.*` wrapper (platform only; the embedded registry throws). */
  get models(): ModelsAPI {
    return platformApis(this.#context.backend).models;
  }

  /** The backend this manager works on. */
  get backend(): RegistryBackend {
    return this.#context.backend;
  }

  /** Uploads a version (automatic `_v<N>` when `version` is omitted); returns the model id. */
  addModel(options: AddModelOptions): Promise<string> {
    return addModel(this.#context, options);
  }

  /** Downloads a version (the latest when omitted) into `{localDest}/{version}/`. */
  getModel(options: GetModelOptions): Promise<GetModelResult> {
    return getModel(this.#context, options);
  }

  /**
   * Re-checks a version against its manifest, in the store or in a local download folder
   * (`localPath`); returns a per-file report.
   */
  verifyModel(options: VerifyModelOptions): Promise<VerifyModelReport> {
    return verifyModel(this.#context, options);
  }

  /** Every model, with every version name. */
  listModels(options?: BackendCallOptions): Promise<ModelSummary[]> {
    return listModels(this.#context, options);
  }

  /** One model's info, by exact name or by 32-hex id. */
  getModelInfo(nameOrId: string, options?: BackendCallOptions): Promise<ModelInfo> {
    return getModelInfo(this.#context, nameOrId, options);
  }

  /** Makes `version` the latest version of `modelName`. */
  setLatestVersion(
    modelName: string,
    version: string,
    options?: BackendCallOptions,
  ): Promise<void> {
    return setLatestVersion(this.#context, modelName, version, options);
  }

  /** Deletes one version, or the whole model when `version` is omitted. */
  deleteModel(options: DeleteModelOptions): Promise<void> {
    return deleteModel(this.#context, options);
  }

  /**
   * Copies a prefix or an object of a bucket (another account's, or the user's own when the
   * source keys are omitted) into the user's bucket under `destPrefix`; returns what it copied.
   */
  transferFromS3(options: TransferFromS3Options): Promise<TransferFromS3Result> {
    return transferFromS3(this.#context, options);
  }

  /**
   * Lists, and unless `dryRun` removes, the stored data no version refers to: staging and
   * version folders outside `versions_map`, folders of deleted models, unfinished uploads.
   * Data written in the last `olderThanMs` (default one hour) is left alone.
   */
  gc(options?: GcOptions): Promise<GcReport> {
    return gc(this.#context, options);
  }

  /** Releases the backend's connections. */
  close(): Promise<void> {
    return this.#context.backend.close();
  }
}
