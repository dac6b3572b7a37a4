/**
 * A Hugging Face Hub model repo as a {@link ModelSource}: the revision is resolved to its commit
 * sha first, then every file is listed and read at that sha, so a version holds one commit's
 * files even when the branch moves meanwhile. Files are streamed from the Hub's `resolve`
 * endpoint straight into the object store: nothing lands on disk and no file is held whole in
 * memory. They go under `hf_{modelName}/`, the Python SDK's layout.
 *
 * The repo, revision and access are checked when the source is opened (before anything is
 * uploaded): a missing repo or revision is a {@link NotFoundError}, a missing or refused token
 * (private or gated repo) an {@link AuthenticationError} whose `service` is `huggingface`.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { ModelSource, StreamedSourceFile } from "../registry/source.ts";
import { hubError, type HubModule, type HubTarget, loadHub, toHubError } from "./hf_errors.ts";
import { pathFilter } from "./patterns.ts";

/** The public Hub. */
export const HF_DEFAULT_ENDPOINT = "https://huggingface.co";

/** Options of {@link hfSource}. */
export interface HfSourceOptions {
  /** The repo id, `owner/name`. */
  repo: string;
  /** The model's name in the registry: the files go under `hf_{modelName}/`. */
  modelName: string;
  /** A branch, tag or commit sha. @default "main" */
  revision?: string | undefined;
  /** A token (`hf_...`) for private and gated repos; never logged nor put in a message. */
  hfToken?: string | undefined;
  /** The Hub or a mirror. @default "https://huggingface.co" */
  hfEndpoint?: string | undefined;
  /** Only the files matching one of these patterns (fnmatch, as `allow_patterns`). */
  include?: readonly string[] | undefined;
  /** Not the files matching one of these patterns (fnmatch, as `ignore_patterns`). */
  exclude?: readonly string[] | undefined;
  /** Replaces the global fetch for every call to the Hub. */
  fetch?: typeof fetch | undefined;
  /** Stops the checks made while opening. */
  signal?: AbortSignal | undefined;
}

/**
 * Opens a Hub repo as a source: resolves the revision to a commit sha, lists the files (recursive,
 * every page) and, for a gated repo, checks that the token may download them. The version's
 * `versions_map` entry gets `hfRepo` and `hfCommit` (fields the Python SDK ignores).
 *
 * @example
 * ```ts ignore
 * import { hfSource } from "./hf.ts";
 * const source = await hfSource({ repo: "openai-community/gpt2", modelName: "gpt2" });
 * console.log(source.versionFields?.hfCommit, (await source.files()).length);
 * ```
 */
export async function hfSource(options: HfSourceOptions): Promise<ModelSource> {
  const repo = validateRepo(options.repo);
  const revision = options.revision ?? "main";
  if (revision === "") throw new ValidationError("revision", "a branch, tag or commit sha");
  const token = options.hfToken === "" ? undefined : options.hfToken;
  if (token !== undefined && !token.startsWith("hf_")) {
    throw new ValidationError("hfToken", "a Hugging Face token (it starts with hf_)");
  }
  const hubUrl = (options.hfEndpoint ?? HF_DEFAULT_ENDPOINT).replace(/\/+$/, "");
  const signal = options.signal;
  const baseFetch = options.fetch ?? fetch;
  const hubFetch: typeof fetch = (input, init) =>
    baseFetch(input, signal === undefined ? init : { ...init, signal });
  const target: HubTarget = { repo, revision, withToken: token !== undefined };
  const credentials = {
    hubUrl,
    fetch: hubFetch,
    ...(token === undefined ? {} : { accessToken: token }),
  };
  const keep = pathFilter(options.include, options.exclude);
  let sha: string;
  let gated: boolean;
  const paths: { path: string; size: number }[] = [];
  let hub: HubModule | undefined;
  try {
    hub = await loadHub();
    const info = await hub.modelInfo({
      ...credentials,
      name: repo,
      revision,
      additionalFields: ["sha"],
    });
    sha = info.sha;
    gated = info.gated !== false;
    for await (
      const entry of hub.listFiles({ ...credentials, repo, revision: sha, recursive: true })
    ) {
      if (entry.type === "file" && keep(entry.path)) {
        paths.push({ path: entry.path, size: entry.lfs?.size ?? entry.size });
      }
    }
  } catch (error) {
    throw toHubError(error, target, hub);
  }
  paths.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const folderName = `hf_${options.modelName}`;
  const headers: Record<string, string> = token === undefined
    ? {}
    : { authorization: `Bearer ${token}` };
  const open = async (path: string, readSignal: AbortSignal | undefined, range?: string) => {
    const url = `${hubUrl}/${repo}/resolve/${sha}/${
      path.split("/").map(encodeURIComponent).join("/")
    }`;
    const fileTarget = { ...target, path };
    let response: Response;
    try {
      response = await baseFetch(url, {
        headers: range === undefined ? headers : { ...headers, range },
        ...(readSignal === undefined ? {} : { signal: readSignal }),
      });
    } catch (error) {
      throw toHubError(error, fileTarget);
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw hubError({
        status: response.status,
        code: response.headers.get("x-error-code") ?? undefined,
        message: response.headers.get("x-error-message") ?? response.statusText,
      }, fileTarget);
    }
    return response.body;
  };
  const first = paths.find((file) => file.size > 0);
  if (gated && first !== undefined) {
    // A gated repo lists its files to anyone: check now that the files can be downloaded.
    await (await open(first.path, signal, "bytes=0-0")).cancel();
  }
  const files: StreamedSourceFile[] = paths.map(({ path, size }) => ({
    relativePath: `${folderName}/${path}`,
    size,
    open: (readSignal) => open(path, readSignal),
  }));
  return {
    folderName,
    versionFields: { hfRepo: repo, hfCommit: sha },
    files: (filesSignal) => {
      filesSignal?.throwIfAborted();
      return Promise.resolve(files);
    },
    dispose: () => Promise.resolve(),
  };
}

/** `owner/name` or `name`, the Hub's characters only. */
function validateRepo(repo: unknown): string {
  if (
    typeof repo !== "string" ||
    !/^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/.test(repo) ||
    repo.includes("..")
  ) {
    throw new ValidationError("sourcePath", `a Hugging Face repo id "owner/name" (got ${repo})`);
  }
  return repo;
}
