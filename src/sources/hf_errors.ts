/**
 * The Hugging Face Hub's failures as the SDK's typed errors. A token is never part of a message.
 *
 * @module
 */

import {
  AipModelError,
  AuthenticationError,
  ConnectionError,
  NotFoundError,
  ServiceError,
} from "../errors.ts";

/** What the Hub answered: a status, its `X-Error-Code` (when known) and its message. */
export interface HubFailure {
  /** The HTTP status. */
  status: number;
  /** `X-Error-Code`: `RepoNotFound`, `RevisionNotFound`, `EntryNotFound`, `GatedRepo`... */
  code: string | undefined;
  /** The Hub's own message. */
  message: string;
}

/** Where the failure happened, for the message. */
export interface HubTarget {
  /** `owner/name`. */
  repo: string;
  /** The revision asked for. */
  revision: string;
  /** The file, for a download. */
  path?: string | undefined;
  /** Whether a token was given. */
  withToken: boolean;
}

/** Turns a Hub answer into a typed error. */
export function hubError(failure: HubFailure, target: HubTarget, cause?: unknown): AipModelError {
  const { status, code, message } = failure;
  const what = target.path === undefined
    ? `repo ${target.repo}`
    : `${target.path} of ${target.repo}`;
  const options = { status, cause };
  if (status === 401 || status === 403 || code === "GatedRepo") {
    const advice = target.withToken
      ? "the token given was refused or has no access to it: check hfToken/HF_TOKEN and that " +
        "the token's account was granted access"
      : "pass hfToken (or set HF_TOKEN) with a token that has access to it";
    const kind = code === "GatedRepo" ? "gated" : "private or does not exist";
    return new AuthenticationError(
      "huggingface",
      `Hugging Face refused ${what} (HTTP ${status}, ${kind}): ${advice}`,
      options,
    );
  }
  if (status === 404) {
    const revision = code === "RevisionNotFound" ||
      (code === undefined && /\brev\b/i.test(message));
    if (revision) {
      return new NotFoundError(
        "revision",
        target.revision,
        `Hugging Face repo ${target.repo} has no revision '${target.revision}'`,
        { cause },
      );
    }
    if (code === "EntryNotFound" && target.path !== undefined) {
      return new NotFoundError("file", target.path, `Hugging Face has no ${what}`, { cause });
    }
    const hint = target.withToken ? "" : " (a private repo needs hfToken or HF_TOKEN)";
    return new NotFoundError(
      "repository",
      target.repo,
      `Hugging Face repo ${target.repo} was not found${hint}`,
      { cause },
    );
  }
  return new ServiceError(
    "huggingface",
    `Hugging Face failed on ${what} (HTTP ${status}): ${message}`,
    options,
  );
}

/** `@huggingface/hub`, loaded on first use: a run that never reads the Hub never loads it. */
export type HubModule = typeof import("@huggingface/hub");

let loading: Promise<HubModule> | undefined;

/** Loads `@huggingface/hub` once. */
export function loadHub(): Promise<HubModule> {
  return loading ??= import("@huggingface/hub");
}

/**
 * Turns anything a call to the Hub threw into a typed error (an abort is returned as it is);
 * `hub` is the loaded library, whose `HubApiError` carries the Hub's status.
 */
export function toHubError(error: unknown, target: HubTarget, hub?: HubModule): Error {
  if (error instanceof AipModelError) return error;
  if (hub !== undefined && error instanceof hub.HubApiError) {
    return hubError(
      { status: error.statusCode, code: undefined, message: error.message },
      target,
      error,
    );
  }
  if (error instanceof Error && error.name === "AbortError") return error;
  return new ConnectionError(
    "huggingface",
    `Could not reach Hugging Face for repo ${target.repo}: ${
      error instanceof Error ? error.message : String(error)
    }`,
    { cause: error },
  );
}
