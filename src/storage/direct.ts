/**
 * The data path to S3: GetObject, PutObject and UploadPart, the requests that carry file bytes,
 * sent by this SDK itself over `node:http`/`node:https` (the module the AWS SDK's own handler
 * uses on Node, Deno and Bun) with a keep-alive agent and SigV4 header signing (`sigv4.ts`).
 *
 * Why not the AWS SDK for these: its middleware stack costs about 4 ms of CPU per request, which
 * dominated folders of small files, and over http it hashes every body a second time to sign it
 * (and radosgw hashes it again to check). Why not `fetch`: on Node 20 it used 2.4 times the CPU of
 * `node:http` for 2,000 small PUTs and held whole upload bodies longer (measured in the benchmark
 * work of issue 6). Every other S3 request (listings, deletes, copies, multipart bookkeeping)
 * stays on the AWS SDK.
 *
 * @module
 */

import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import * as http from "node:http";
import * as https from "node:https";
import { onAbort } from "../abort.ts";
import { TimeoutError } from "../errors.ts";
import { encodeKeyPath, encodeQuery, Signer } from "./sigv4.ts";

/** How the transport reaches the endpoint. */
export interface DirectOptions {
  /** The endpoint URL (`http://host:port` with an optional path prefix). */
  endpoint: string;
  /** The access key id. */
  accessKey: string;
  /** The secret key. */
  secretKey: string;
  /** The region requests are signed for. */
  region: string;
  /** How long opening a connection may take, in milliseconds. */
  connectTimeoutMs: number;
  /** How long a request may go without a byte sent or received, in milliseconds. */
  timeoutMs: number;
  /** The most connections open at once. */
  maxSockets: number;
}

/** One request of the data path. */
export interface DirectRequest {
  /** `GET` or `PUT`. */
  method: "GET" | "PUT";
  /** The bucket. */
  bucket: string;
  /** The object key. */
  key: string;
  /** Query parameters (`partNumber`, `uploadId`). */
  query?: Record<string, string> | undefined;
  /** Headers to send and sign, names in lower case. */
  headers?: Record<string, string> | undefined;
  /** The body of a PUT. */
  body?: Uint8Array | undefined;
  /** Aborts the request and its response body. */
  signal?: AbortSignal | undefined;
}

/** An answer whose body is still to be read (or destroyed). */
export interface DirectResponse {
  /** The HTTP status. */
  status: number;
  /** A response header, by lower-case name. */
  header(name: string): string | undefined;
  /** The body: iterate it to the end, or destroy it. */
  body: IncomingMessage;
}

/**
 * One endpoint's connections and signer.
 *
 * @example
 * ```ts ignore
 * const transport = new DirectTransport({ endpoint: "http://127.0.0.1:7480", ... });
 * const response = await transport.send({ method: "GET", bucket: "b", key: "k" });
 * for await (const chunk of response.body) console.log(chunk.length);
 * transport.destroy();
 * ```
 */
export class DirectTransport {
  readonly #options: DirectOptions;
  readonly #signer: Signer;
  readonly #base: URL;
  /** The endpoint's path prefix, without its trailing slash. */
  readonly #prefix: string;
  /** Where requests go, as `node:http` takes it. */
  readonly #target: { protocol: string; hostname: string; port: number | undefined };
  readonly #agent: HttpAgent;
  readonly #module: typeof http | typeof https;

  constructor(options: DirectOptions) {
    this.#options = options;
    this.#signer = new Signer(options);
    this.#base = new URL(options.endpoint);
    this.#prefix = this.#base.pathname.replace(/\/+$/, "");
    this.#target = {
      protocol: this.#base.protocol,
      hostname: this.#base.hostname.replace(/^\[|\]$/g, ""),
      port: this.#base.port === "" ? undefined : Number(this.#base.port),
    };
    const secure = this.#base.protocol === "https:";
    this.#module = secure ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
    this.#agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /**
   * Sends one request and resolves with the answer once its headers arrived, whatever the status.
   * Rejects with the transport's error (a `TimeoutError`, a socket error) or the signal's reason.
   */
  send(request: DirectRequest): Promise<DirectResponse> {
    const { signal, body } = request;
    signal?.throwIfAborted();
    const query = encodeQuery(request.query ?? {});
    const path = `${this.#prefix}${encodeKeyPath(request.bucket, request.key)}${
      query === "" ? "" : `?${query}`
    }`;
    const origin = this.#base.origin;
    const headers = this.#signer.sign({
      method: request.method,
      host: this.#base.host,
      path,
      headers: request.headers ?? {},
    });
    headers.host = this.#base.host;
    headers["content-length"] = String(body?.length ?? 0);
    const { connectTimeoutMs, timeoutMs } = this.#options;
    return new Promise<DirectResponse>((resolve, reject) => {
      let response: IncomingMessage | undefined;
      let connected = false;
      const fail = (error: unknown) => {
        if (response === undefined) outgoing.destroy(error as Error);
        else response.destroy(error as Error);
      };
      let stopListening = () => {};
      const connectTimer = setTimeout(() => {
        if (!connected) {
          fail(
            new TimeoutError(
              "s3",
              `S3 at ${origin} did not accept a connection within ${connectTimeoutMs} ms`,
              connectTimeoutMs,
            ),
          );
        }
      }, connectTimeoutMs);
      const done = () => {
        clearTimeout(connectTimer);
        stopListening();
      };
      const outgoing = this.#module.request({
        ...this.#target,
        method: request.method,
        path,
        headers,
        agent: this.#agent,
      }, (incoming) => {
        connected = true;
        response = incoming;
        clearTimeout(connectTimer);
        incoming.once("close", done);
        resolve({
          status: incoming.statusCode ?? 0,
          header: (name) => {
            const value = incoming.headers[name];
            return Array.isArray(value) ? value.join(", ") : value;
          },
          body: incoming,
        });
      });
      outgoing.once("socket", (socket) => {
        if ((socket as { connecting?: boolean }).connecting === false) connected = true;
        else socket.once("connect", () => (connected = true));
      });
      // The socket's inactivity: no byte either way for timeoutMs, request or response.
      outgoing.setTimeout(timeoutMs, () => {
        fail(
          new TimeoutError(
            "s3",
            `S3 at ${origin} sent or received nothing for ${timeoutMs} ms during ` +
              `${request.method} of s3://${request.bucket}/${request.key}.`,
            timeoutMs,
          ),
        );
      });
      outgoing.once("error", (error) => {
        done();
        reject(signal?.aborted ? signal.reason : error);
      });
      if (signal !== undefined) stopListening = onAbort(signal, () => fail(signal.reason));
      outgoing.end(body);
    });
  }

  /** Closes the idle connections; requests in flight finish. */
  destroy(): void {
    this.#agent.destroy();
  }
}
