/**
 * The ClearML session: logs in with the access/secret keys (`auth.login`, HTTP Basic, no version
 * prefix, as the official SDK), keeps the token, and logs in again before it expires or after
 * the server refused it. Concurrent callers share one login in flight.
 *
 * @module
 */

import { AuthenticationError, ClearMLError, ServiceError } from "../errors.ts";
import { fetchWithPolicy } from "../http/fetch.ts";
import { redact } from "../redact.ts";
import { dataOrThrow, parseAnswer } from "./envelope.ts";
import type { ResolvedClearMLOptions } from "./options.ts";
import { needsRefresh, readTokenTimes, type TokenTimes } from "./token.ts";

/**
 * Holds the session token of one ClearML client.
 *
 * @example
 * ```ts ignore
 * import { ClearMLSession } from "./session.ts";
 * import { resolveClearMLOptions } from "./options.ts";
 * const session = new ClearMLSession(
 *   resolveClearMLOptions({ apiHost: "http://127.0.0.1:8008", accessKey: "KEY", secretKey: "SECRET" }),
 * );
 * const token = await session.token();
 * ```
 */
export class ClearMLSession {
  readonly #options: ResolvedClearMLOptions;
  #token: string | undefined;
  #times: TokenTimes = {};
  #pending: Promise<string> | undefined;

  /** A session that has not logged in yet. */
  constructor(options: ResolvedClearMLOptions) {
    this.#options = options;
  }

  /**
   * A token valid for at least the refresh margin, logging in first when there is none or the
   * current one is about to expire. `signal` stops this caller's wait, not a login that other
   * callers share.
   */
  token(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const { now, refreshBeforeExpirySec } = this.#options;
    if (this.#token !== undefined && !needsRefresh(this.#times, now(), refreshBeforeExpirySec)) {
      return Promise.resolve(this.#token);
    }
    if (this.#pending === undefined) {
      const reason = this.#token === undefined
        ? "login"
        : "token close to expiry, logging in again";
      this.#options.logger.debug?.(`ClearML ${reason}`);
      this.#pending = this.#login().finally(() => {
        this.#pending = undefined;
      });
    }
    return untilAborted(this.#pending, signal);
  }

  /**
   * Forgets `token` after the server refused it, so that the next {@link token} logs in again.
   * A token that was already replaced by another caller's login is left alone: that caller's
   * fresh token is used instead of a second login.
   */
  invalidate(token: string): void {
    if (this.#token === token) {
      this.#token = undefined;
      this.#times = {};
    }
  }

  /** The strings never to show in an error: the keys and the current token. */
  secrets(): string[] {
    const secrets = [this.#options.secretKey, this.#options.accessKey];
    if (this.#token !== undefined) secrets.push(this.#token);
    return secrets;
  }

  async #login(): Promise<string> {
    const { apiHost, accessKey, secretKey } = this.#options;
    const url = `${apiHost}/auth.login`;
    const authorization = `Basic ${base64(`${accessKey}:${secretKey}`)}`;
    // Not tied to any caller's signal: the login is shared, and one caller giving up must not
    // fail the others. The per-attempt timeout and the retry bound still limit it.
    const response = await fetchWithPolicy({
      service: "clearml",
      url,
      init: () => ({
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: "{}",
      }),
      idempotent: true,
      fetch: this.#options.fetch,
      timeoutMs: this.#options.timeoutMs,
      retry: this.#options.retry,
    });
    const answer = await parseAnswer(response);
    const context = { endpoint: "auth.login", url, secrets: [secretKey, accessKey] };
    const refused = response.status === 401 || response.status === 403 ||
      (answer.kind === "envelope" && answer.meta.result_code === 401);
    if (refused) {
      const detail = answer.kind === "envelope"
        ? ` (${answer.meta.result_code}/${answer.meta.result_subcode}: ${
          redact(answer.meta.result_msg, context.secrets)
        })`
        : ` (HTTP ${response.status})`;
      throw new AuthenticationError(
        "clearml",
        `ClearML at ${apiHost} rejected the access/secret keys${detail}. Check the ClearML ` +
          "access and secret keys (clearmlAccessKey/clearmlSecretKey or CLEARML_ACCESS_KEY/" +
          "CLEARML_SECRET_KEY, or those the user-management API returned) and that they were " +
          "created on this server.",
        { status: response.status, cause: causeOf(answer, response.status, context) },
      );
    }
    const data = dataOrThrow(answer, response.status, context) as { token?: unknown };
    if (typeof data.token !== "string" || data.token === "") {
      throw new ServiceError(
        "clearml",
        `ClearML at ${apiHost} answered auth.login without a token (data.token is missing)`,
        { status: response.status },
      );
    }
    this.#token = data.token;
    this.#times = readTokenTimes(data.token);
    const until = this.#times.expiresAt === undefined
      ? "no expiry"
      : `expires ${new Date(this.#times.expiresAt * 1000).toISOString()}`;
    this.#options.logger.debug?.(`ClearML login succeeded (token ${until})`);
    return data.token;
  }
}

function causeOf(
  answer: Awaited<ReturnType<typeof parseAnswer>>,
  status: number,
  context: { endpoint: string; url: string; secrets: string[] },
): unknown {
  try {
    dataOrThrow(answer, status, context);
  } catch (error) {
    return error instanceof ClearMLError || error instanceof ServiceError ? error : undefined;
  }
  return undefined;
}

/** Base64 of the UTF-8 bytes (`btoa` alone accepts only Latin-1 text). */
function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** `promise`, or the signal's reason as soon as it aborts, without cancelling `promise`. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
