/**
 * The data path to S3: GetObject, PutObject, UploadPart and ListObjectsV2, sent by this SDK
 * itself over kept-alive HTTP/1.1 connections of its own (`wire.ts`) with SigV4 header signing
 * and an unsigned payload (`sigv4.ts`).
 *
 * Why not the AWS SDK for these: its middleware stack costs about 4 ms of CPU per request, which
 * dominated folders of small files, and over http it hashes every body a second time to sign it
 * (and radosgw hashes it again to check); a download, which needs nothing else, does not load it
 * at all. Why not `node:http`: its parser copies every piece of a body into a new buffer (see
 * `wire.ts` for what that cost). Why not `fetch`: on Node 20 it used 2.4 times the CPU of
 * `node:http` for 2,000 small PUTs and held whole upload bodies longer (measured in the
 * benchmark work of issue 6). Deletes, copies, HEADs and the multipart bookkeeping stay on the
 * AWS SDK.
 *
 * @module
 */

import { requestHead } from "../http/http1.ts";
import { encodeKeyPath, encodeQuery, encodeRfc3986, Signer } from "./sigv4.ts";
import { endpointOf, type StreamedBody, type WireBody, WirePool } from "../http/wire.ts";

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
  /** The object key; none for a request on the bucket (a listing). */
  key?: string | undefined;
  /** Query parameters (`partNumber`, `uploadId`). */
  query?: Record<string, string> | undefined;
  /** Headers to send and sign, names in lower case. */
  headers?: Record<string, string> | undefined;
  /** The body of a PUT: in memory, or streamed (produced again for each attempt). */
  body?: Uint8Array | StreamedBody | undefined;
  /** Aborts the request and its response body. */
  signal?: AbortSignal | undefined;
  /** Send it on a new connection (see `WireRequest.fresh`): for a small answer awaited at once. */
  fresh?: boolean | undefined;
}

/** An answer whose body is still to be read (or destroyed). */
export interface DirectResponse {
  /** The HTTP status. */
  status: number;
  /** A response header, by lower-case name. */
  header(name: string): string | undefined;
  /** The body: read it to the end (`pipe` or iteration), or destroy it. */
  body: WireBody;
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
  readonly #signer: Signer;
  readonly #base: URL;
  /** The endpoint's path prefix, without its trailing slash. */
  readonly #prefix: string;
  readonly #pool: WirePool;

  constructor(options: DirectOptions) {
    this.#signer = new Signer(options);
    this.#base = new URL(options.endpoint);
    this.#prefix = this.#base.pathname.replace(/\/+$/, "");
    this.#pool = new WirePool({
      ...endpointOf(this.#base),
      connectTimeoutMs: options.connectTimeoutMs,
      timeoutMs: options.timeoutMs,
      maxSockets: options.maxSockets,
      service: "s3",
      name: "S3",
    });
  }

  /**
   * Sends one request and resolves with the answer once its headers arrived, whatever the status.
   * Rejects with the transport's error (a `TimeoutError`, a socket error) or the signal's reason.
   */
  async send(request: DirectRequest): Promise<DirectResponse> {
    const { signal, body } = request;
    signal?.throwIfAborted();
    const query = encodeQuery(request.query ?? {});
    const target = request.key === undefined
      ? `/${encodeRfc3986(request.bucket)}`
      : encodeKeyPath(request.bucket, request.key);
    const path = `${this.#prefix}${target}${query === "" ? "" : `?${query}`}`;
    const host = this.#base.host;
    const headers = this.#signer.sign({
      method: request.method,
      host,
      path,
      headers: request.headers ?? {},
    });
    const head = requestHead(request.method, path, host, headers, body?.length ?? 0);
    const answer = await this.#pool.send({
      head,
      body,
      signal,
      describe: `${request.method} of s3://${request.bucket}/${request.key ?? ""}`,
      fresh: request.fresh,
    });
    return { status: answer.status, header: answer.header, body: answer.body };
  }

  /** Closes the connections; requests in flight fail. */
  destroy(): void {
    this.#pool.destroy();
  }
}
