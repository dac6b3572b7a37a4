/**
 * The SDK's small JSON calls (ClearML, the user-management API) over its own HTTP/1.1 client
 * (`wire.ts`) instead of `fetch`, on Node: Node loads its fetch (undici) on the first call, which
 * cost every CLI run 0.25 s of CPU before its first request and 44 MiB of memory (measured: a
 * process making one fetch against one making one `node:http` request). Deno and Bun have a
 * native fetch and keep it.
 *
 * @module
 */

import type { HttpAnswer, HttpTransport, TransportInit } from "./fetch.ts";
import { requestHead } from "./http1.ts";
import { endpointOf, type WireBody, WirePool } from "./wire.ts";

/** The most connections kept to one origin. */
const MAX_SOCKETS = 8;
/**
 * The transport's own time limits; the caller's signal (`fetchWithPolicy`: one attempt's
 * timeout) is what bounds a request.
 */
const CONNECT_TIMEOUT_MS = 120_000;
const IDLE_TIMEOUT_MS = 600_000;

const ENCODER = new TextEncoder();

/**
 * A transport over one pool of kept-alive connections per origin, for `http:` and `https:` URLs.
 *
 * @example
 * ```ts ignore
 * const send = wireTransport();
 * const answer = await send("http://127.0.0.1:8008/auth.login", { method: "POST", body: "{}" });
 * console.log(answer.status, await answer.text());
 * ```
 */
export function wireTransport(): HttpTransport {
  const pools = new Map<string, WirePool>();
  const poolOf = (url: URL): WirePool => {
    let pool = pools.get(url.origin);
    if (pool === undefined) {
      pool = new WirePool({
        ...endpointOf(url),
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        timeoutMs: IDLE_TIMEOUT_MS,
        maxSockets: MAX_SOCKETS,
        service: "clearml",
        name: url.host,
      });
      pools.set(url.origin, pool);
    }
    return pool;
  };
  return async (input: string, init: TransportInit): Promise<HttpAnswer> => {
    const url = new URL(input);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`${url.protocol} URLs are not supported (http: or https:)`);
    }
    const body = init.body === undefined ? undefined : ENCODER.encode(init.body);
    const head = requestHead(
      init.method,
      `${url.pathname}${url.search}`,
      url.host,
      init.headers ?? {},
      body?.length ?? 0,
    );
    const answer = await poolOf(url).send({
      head,
      body,
      signal: init.signal,
      describe: `${init.method} ${url.origin}${url.pathname}`,
    });
    let text: Promise<string> | undefined;
    return {
      status: answer.status,
      ok: answer.status >= 200 && answer.status < 300,
      headers: { get: (name) => answer.header(name.toLowerCase()) ?? null },
      text: () => text ??= readText(answer.body),
      body: {
        cancel: () => {
          answer.body.destroy();
          return Promise.resolve();
        },
      },
    };
  };
}

async function readText(body: WireBody): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  await body.pipe((piece) => {
    text += decoder.decode(piece, { stream: true });
  });
  return text + decoder.decode();
}
