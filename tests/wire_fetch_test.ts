/**
 * The transport of the ClearML and user-management calls on Node (src/http/wire_fetch.ts), run on
 * every runtime against a `node:http` server on 127.0.0.1: what is sent, what is read, connection
 * reuse, aborts, refusals, and the choice `resolveFetch` makes.
 */

import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ConnectionError, ValidationError } from "../src/errors.ts";
import { fetchWithPolicy } from "../src/http/fetch.ts";
import { resolveFetch } from "../src/http/options.ts";
import { resolveRetryOptions } from "../src/http/retry.ts";
import { wireTransport } from "../src/http/wire_fetch.ts";

type Route = (incoming: IncomingMessage, body: string, outgoing: ServerResponse) => void;

describe("wireTransport() against a node:http server", () => {
  let server: Server;
  let base = "";
  const routes = new Map<string, Route>();
  const ports: number[] = [];

  before(async () => {
    server = createServer(async (incoming, outgoing) => {
      ports.push(incoming.socket.remotePort ?? 0);
      let body = "";
      for await (const chunk of incoming) body += chunk;
      const route = routes.get(new URL(incoming.url ?? "/", "http://x").pathname);
      if (route === undefined) {
        outgoing.writeHead(404).end("no such route");
      } else {
        route(incoming, body, outgoing);
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  });

  it("sends the method, path, query, headers and body, and reads status, headers and text", async () => {
    routes.set("/echo", (incoming, body, outgoing) => {
      outgoing.writeHead(201, { "content-type": "application/json", "x-seen": "1" });
      outgoing.end(JSON.stringify({
        method: incoming.method,
        url: incoming.url,
        authorization: incoming.headers.authorization,
        length: incoming.headers["content-length"],
        body,
      }));
    });
    const send = wireTransport();
    const payload = JSON.stringify({ name: "déjà vu ✓" });
    const answer = await send(`${base}/echo?page=2&size=10`, {
      method: "POST",
      headers: { authorization: "Bearer abc", "content-type": "application/json" },
      body: payload,
    });
    assert.equal(answer.status, 201);
    assert.equal(answer.ok, true);
    assert.equal(answer.headers.get("Content-Type"), "application/json");
    assert.equal(answer.headers.get("x-missing"), null);
    assert.deepEqual(JSON.parse(await answer.text()), {
      method: "POST",
      url: "/echo?page=2&size=10",
      authorization: "Bearer abc",
      length: String(new TextEncoder().encode(payload).length),
      body: payload,
    });
  });

  it("reads a chunked answer whole, splits no character, and reuses the connection", async () => {
    const word = "модель ".repeat(5000);
    routes.set("/chunked", (_incoming, _body, outgoing) => {
      outgoing.writeHead(500, { "content-type": "text/plain" });
      const bytes = Buffer.from(word);
      // Cut inside a two-byte character.
      outgoing.write(bytes.subarray(0, 1001));
      setTimeout(() => outgoing.end(bytes.subarray(1001)), 10);
    });
    const send = wireTransport();
    ports.length = 0;
    for (let round = 0; round < 3; round++) {
      const answer = await send(`${base}/chunked`, { method: "GET" });
      assert.equal(answer.status, 500);
      assert.equal(answer.ok, false);
      assert.equal(await answer.text(), word);
    }
    assert.equal(ports.length, 3);
    assert.equal(new Set(ports).size, 1, "one kept-alive connection for three calls");
  });

  it("gives up an unread body with body.cancel() and still answers the next call", async () => {
    routes.set("/big", (_incoming, _body, outgoing) => {
      outgoing.writeHead(503);
      outgoing.write("x".repeat(64 * 1024));
      setTimeout(() => outgoing.end("end"), 50);
    });
    routes.set("/ok", (_incoming, _body, outgoing) => void outgoing.writeHead(200).end("fine"));
    const send = wireTransport();
    const busy = await send(`${base}/big`, { method: "GET" });
    await busy.body?.cancel();
    const next = await send(`${base}/ok`, { method: "GET" });
    assert.equal(await next.text(), "fine");
  });

  it("rejects with the signal's reason when the caller aborts a call that gets no answer", async () => {
    routes.set("/hang", () => {});
    const send = wireTransport();
    const controller = new AbortController();
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 30);
    const started = Date.now();
    await assert.rejects(
      send(`${base}/hang`, { method: "POST", body: "{}", signal: controller.signal }),
      (error: unknown) => error === reason,
    );
    assert.ok(Date.now() - started < 5_000);
  });

  it("refuses a header that would break the request, before sending anything", async () => {
    const send = wireTransport();
    ports.length = 0;
    await assert.rejects(
      send(`${base}/echo`, { method: "GET", headers: { "x-a": "1\r\nx-b: 2" } }),
      ValidationError,
    );
    assert.equal(ports.length, 0);
  });

  it("under fetchWithPolicy: a refused connection is a ConnectionError naming the URL", async () => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1");
    await once(probe, "listening");
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, "close");
    const error = await fetchWithPolicy({
      service: "clearml",
      url: `http://127.0.0.1:${port}/auth.login`,
      init: () => ({ method: "POST", body: "{}" }),
      idempotent: true,
      fetch: wireTransport(),
      timeoutMs: 2_000,
      retry: resolveRetryOptions({ retries: 1, baseDelayMs: 1 }),
    }).then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof ConnectionError, String(error));
    assert.match(error.message, /ECONNREFUSED/);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}/auth\\.login`));
  });
});

describe("resolveFetch()", () => {
  it("uses a fetch that replaced globalThis.fetch after the SDK was loaded", async () => {
    const original = globalThis.fetch;
    const seen: string[] = [];
    globalThis.fetch = (input) => {
      seen.push(String(input));
      return Promise.resolve(new Response("stub", { status: 299 }));
    };
    try {
      const answer = await resolveFetch(undefined)("http://127.0.0.1:9/x", { method: "GET" });
      assert.equal(answer.status, 299);
      assert.deepEqual(seen, ["http://127.0.0.1:9/x"]);
    } finally {
      globalThis.fetch = original;
    }
  });

  it("uses the given fetch", async () => {
    const answer = await resolveFetch(() => Promise.resolve(new Response("given")))(
      "http://127.0.0.1:9/x",
      { method: "GET" },
    );
    assert.equal(await answer.text(), "given");
  });
});
