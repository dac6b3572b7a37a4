/**
 * The ClearML API client: one authenticated JSON call, `call(endpoint, body)`, under the SDK's
 * retry and timeout policy, with the session token refreshed before expiry and once after a 401.
 *
 * @module
 */

import { AuthenticationError, ValidationError } from "../errors.ts";
import { fetchWithPolicy, type HttpAnswer } from "../http/fetch.ts";
import { isIdempotentEndpoint } from "./endpoints.ts";
import { dataOrThrow, parseAnswer, readEnvelope } from "./envelope.ts";
import {
  type ClearMLClientOptions,
  resolveClearMLOptions,
  type ResolvedClearMLOptions,
} from "./options.ts";
import { ClearMLSession } from "./session.ts";

/**
 * Options of one {@link ClearMLClient.call}.
 *
 * @example
 * ```ts
 * import type { CallOptions } from "./client.ts";
 * const options: CallOptions = { signal: AbortSignal.timeout(10_000), idempotent: true };
 * ```
 */
export interface CallOptions {
  /** Aborts the call, its retries and its waits. */
  signal?: AbortSignal | undefined;
  /**
   * Whether the call may be sent again after a failure that may have reached the server.
   * @default from the table in `endpoints.ts` (reads yes, `*.create` no)
   */
  idempotent?: boolean | undefined;
}

/**
 * The part of {@link ClearMLClient} the API wrappers use; a test can hand in its own.
 *
 * @example
 * ```ts
 * import type { ClearMLCaller } from "./client.ts";
 * const caller: ClearMLCaller = { call: () => Promise.resolve({ id: "p1" } as never) };
 * ```
 */
export interface ClearMLCaller {
  /** See {@link ClearMLClient.call}. */
  call<T = Record<string, unknown>>(
    endpoint: string,
    body?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<T>;
}

const ENDPOINT = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/**
 * A client of the ClearML REST API. Creating it checks the options but does not contact the
 * server; the first call (or {@link ClearMLClient.login}) logs in.
 *
 * Every call is `POST {apiHost}/v{apiVersion}/{endpoint}` with a JSON body and
 * `Authorization: Bearer <token>`: the server accepts any method, and POST carries a body
 * through every proxy. The answer's `data` is returned; a ClearML failure throws a
 * `ClearMLError`, refused credentials an `AuthenticationError`, an answer that is not the API a
 * `ServiceError`, and no answer a `ConnectionError` or `TimeoutError`.
 *
 * @example
 * ```ts ignore
 * import { ClearMLClient } from "./client.ts";
 * const client = new ClearMLClient({
 *   apiHost: "http://127.0.0.1:8008",
 *   accessKey: "ACCESSKEY",
 *   secretKey: "SECRET",
 * });
 * const data = await client.call<{ projects: { id: string }[] }>("projects.get_all", {
 *   only_fields: ["id", "name"],
 * });
 * ```
 */
export class ClearMLClient implements ClearMLCaller {
  /** The API base URL, without a trailing slash. */
  readonly apiHost: string;
  /** The API version in every path. */
  readonly apiVersion: string;
  readonly #options: ResolvedClearMLOptions;
  readonly #session: ClearMLSession;

  /** Checks the options (a `ValidationError` names a wrong one); does not contact the server. */
  constructor(options: ClearMLClientOptions) {
    this.#options = resolveClearMLOptions(options);
    this.apiHost = this.#options.apiHost;
    this.apiVersion = this.#options.apiVersion;
    this.#session = new ClearMLSession(this.#options);
  }

  /**
   * Logs in now (if there is no valid token yet), so that wrong keys or an unreachable server
   * show up before the first real call.
   */
  async login(options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    await this.#session.token(options.signal);
  }

  /**
   * Calls `endpoint` (e.g. `models.get_all`) with `body` and returns the answer's `data`.
   * Retries follow `options.idempotent`, by default the table in `endpoints.ts`.
   */
  async call<T = Record<string, unknown>>(
    endpoint: string,
    body: Record<string, unknown> = {},
    options: CallOptions = {},
  ): Promise<T> {
    if (!ENDPOINT.test(endpoint)) {
      throw new ValidationError(
        "endpoint",
        `expected "service.action", got ${JSON.stringify(endpoint)}`,
      );
    }
    const { signal } = options;
    const idempotent = options.idempotent ?? isIdempotentEndpoint(endpoint);
    const url = `${this.#options.apiHost}/v${this.#options.apiVersion}/${endpoint}`;
    const payload = JSON.stringify(body);
    const started = Date.now();

    let token = await this.#session.token(signal);
    let response = await this.#send(url, payload, token, idempotent, signal);
    if (response.status === 401) {
      // The token expired or was revoked early, or the server restarted with a new secret: the
      // server refused before acting, so one new login and one resend are safe for any call.
      await response.body?.cancel();
      this.#options.logger.debug?.(`ClearML refused the token on ${endpoint}; logging in again`);
      this.#session.invalidate(token);
      token = await this.#session.token(signal);
      response = await this.#send(url, payload, token, idempotent, signal);
      if (response.status === 401) throw await this.#refusedTwice(response, endpoint, url);
    }
    const data = await readEnvelope(response, {
      endpoint,
      url,
      secrets: this.#session.secrets(),
    });
    this.#options.logger.debug?.(
      `ClearML ${endpoint}: HTTP ${response.status} in ${Date.now() - started} ms`,
    );
    return data as T;
  }

  #send(
    url: string,
    payload: string,
    token: string,
    idempotent: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HttpAnswer> {
    return fetchWithPolicy({
      service: "clearml",
      url,
      init: () => ({
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: payload,
      }),
      idempotent,
      fetch: this.#options.fetch,
      timeoutMs: this.#options.timeoutMs,
      retry: this.#options.retry,
      signal,
    });
  }

  async #refusedTwice(response: HttpAnswer, endpoint: string, url: string): Promise<Error> {
    const context = { endpoint, url, secrets: this.#session.secrets() };
    let cause: unknown;
    try {
      dataOrThrow(await parseAnswer(response), response.status, context);
    } catch (error) {
      cause = error;
    }
    const detail = cause instanceof Error ? ` (${cause.message})` : "";
    return new AuthenticationError(
      "clearml",
      `ClearML at ${this.#options.apiHost} refused ${endpoint} even with a token from a fresh ` +
        `login${detail}. The keys may have been revoked, or the server may not accept its own ` +
        "tokens (check its token secret and clock).",
      { status: response.status, cause },
    );
  }
}
