/**
 * The data path's HTTP/1.1 (src/http/http1.ts, src/http/wire.ts) against a scripted server
 * on 127.0.0.1: every way an answer can be cut into reads, chunked bodies, connections the server
 * closes, malformed answers, timeouts and aborts. Real sockets; the radosgw side is covered by the
 * storage and fault tests.
 */

import assert from "node:assert/strict";
import { once } from "node:events";
import * as net from "node:net";
import { after, before, describe, it } from "node:test";
import { TimeoutError } from "../src/errors.ts";
import { chunkedFraming, framingOf, keepsAlive, parseHead } from "../src/http/http1.ts";
import { parseListPage, xmlText } from "../src/storage/list_xml.ts";
import { type WireOptions, WirePool, type WireResponse } from "../src/http/wire.ts";

const encoder = new TextEncoder();
const text = (bytes: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(bytes));

describe("HTTP/1.1 framing", () => {
  it("decodes a chunked body cut at every byte", () => {
    const wire = encoder.encode(
      "5;ext=1\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nTrailer: x\r\n\r\n",
    );
    for (let cut = 1; cut < wire.length; cut++) {
      const framing = chunkedFraming();
      const pieces: Uint8Array[] = [];
      let done = false;
      for (const part of [wire.subarray(0, cut), wire.subarray(cut)]) {
        for (let at = 0; at < part.length && !done;) {
          const piece = framing.step(part, at);
          pieces.push(part.slice(piece.start, piece.end));
          at = piece.next;
          done = piece.done;
        }
      }
      assert.equal(done, true, `cut at ${cut}`);
      assert.equal(text(pieces), "hello world!", `cut at ${cut}`);
    }
  });

  it("refuses a malformed chunk size and an unknown coding", () => {
    assert.throws(() => chunkedFraming().step(encoder.encode("zz\r\n"), 0), /chunk size/);
    const head = parseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip");
    assert.throws(() => framingOf(head), /transfer coding/);
    assert.throws(() => framingOf(parseHead("HTTP/1.1 200 OK\r\nContent-Length: 1, 2")));
  });

  it("reads heads, lengths and keep-alive", () => {
    const head = parseHead('HTTP/1.1 206 Partial Content\r\nETag: "a"\r\nX-A: 1\r\nx-a: 2');
    assert.equal(head.status, 206);
    assert.equal(head.headers.get("etag"), '"a"');
    assert.equal(head.headers.get("x-a"), "1, 2");
    assert.equal(keepsAlive(head), true);
    assert.equal(keepsAlive(parseHead("HTTP/1.1 200 OK\r\nConnection: close")), false);
    assert.equal(keepsAlive(parseHead("HTTP/1.0 200 OK")), false);
    assert.equal(framingOf(parseHead("HTTP/1.1 204 No Content")), undefined);
    assert.equal(framingOf(parseHead("HTTP/1.1 200 OK\r\nContent-Length: 0")), undefined);
    assert.throws(() => parseHead("SSH-2.0-OpenSSH"), /status line/);
  });
});

describe("ListObjectsV2 answers", () => {
  it("decodes entities, sizes, prefixes and the continuation", () => {
    const page = parseListPage(
      '<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated>' +
        "<Contents><Key>a&amp;b&lt;c&gt;&#x41;&#66;&#13;</Key><LastModified>2026-11-27T10:00:00.000Z" +
        "</LastModified><ETag>&quot;abc&quot;</ETag><Size>42</Size></Contents>" +
        "<CommonPrefixes><Prefix>d/&apos;e/</Prefix></CommonPrefixes>" +
        "<NextContinuationToken>t&amp;1</NextContinuationToken></ListBucketResult>",
    );
    assert.deepEqual(page.contents.map((entry) => [entry.key, entry.size, entry.etag]), [
      ["a&b<c>AB\r", 42, '"abc"'],
    ]);
    assert.equal(page.contents[0]?.lastModified?.toISOString(), "2026-11-27T10:00:00.000Z");
    assert.deepEqual(page.prefixes, ["d/'e/"]);
    assert.equal(page.nextToken, "t&1");
    assert.equal(xmlText("&unknown; &amp;"), "&unknown; &");
  });

  it("refuses what is not a listing", () => {
    assert.throws(() => parseListPage("<Error><Code>x</Code></Error>"), /ListBucketResult/);
    assert.throws(
      () =>
        parseListPage("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>"),
      /no key/,
    );
  });
});

/** A server whose every answer is written by `script`, with the connection count. */
interface Scripted {
  port: number;
  connections: number;
  script: (request: string, socket: net.Socket) => void;
  close(): Promise<void>;
}

async function scriptedServer(): Promise<Scripted> {
  const sockets = new Set<net.Socket>();
  const state: Scripted = {
    port: 0,
    connections: 0,
    script: () => {},
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
  const server = net.createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let pending = "";
    socket.on("data", (bytes) => {
      pending += bytes.toString("latin1");
      for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
        const head = pending.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.slice(end + 4 + length);
        state.script(head, socket);
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}

/** Writes `answer` in pieces of `size` bytes, a tick apart. */
async function dribble(socket: net.Socket, answer: string, size: number): Promise<void> {
  for (let at = 0; at < answer.length; at += size) {
    socket.write(answer.slice(at, at + size), "latin1");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe("WirePool against a scripted server", () => {
  let server: Scripted;
  let pool: WirePool;
  const options = (): WireOptions => ({
    protocol: "http:",
    hostname: "127.0.0.1",
    port: server.port,
    connectTimeoutMs: 2_000,
    timeoutMs: 500,
    maxSockets: 2,
    origin: `http://127.0.0.1:${server.port}`,
    service: "s3",
    name: "S3",
  });
  const get = (path = "/b/k", signal?: AbortSignal): Promise<WireResponse> =>
    pool.send({ head: `GET ${path} HTTP/1.1\r\nhost: x\r\n`, describe: "GET", signal });
  const bodyText = async (response: WireResponse) => {
    const pieces: Uint8Array[] = [];
    await response.body.pipe((piece) => void pieces.push(piece.slice()));
    return text(pieces);
  };

  before(async () => {
    server = await scriptedServer();
  });
  after(async () => {
    pool?.destroy();
    await server.close();
  });

  it("reads answers cut into small reads, and reuses the connection", async () => {
    pool = new WirePool(options());
    server.connections = 0;
    const body = "x".repeat(600);
    server.script = (_request, socket) => {
      dribble(
        socket,
        `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nETag: "e"\r\n\r\n${body}`,
        7,
      );
    };
    for (let round = 0; round < 3; round++) {
      const answer = await get();
      assert.equal(answer.status, 200);
      assert.equal(answer.header("etag"), '"e"');
      assert.equal(await bodyText(answer), body);
    }
    assert.equal(server.connections, 1);
    pool.destroy();
  });

  it("reads a chunked answer through the async iterator, and one without a body", async () => {
    pool = new WirePool(options());
    server.script = (request, socket) => {
      if (request.startsWith("GET /empty")) socket.write("HTTP/1.1 204 No Content\r\n\r\n");
      else {dribble(
          socket,
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
          3,
        );}
    };
    const pieces: Uint8Array[] = [];
    for await (const piece of (await get()).body) pieces.push(piece);
    assert.equal(text(pieces), "abcde");
    const empty = await get("/empty");
    assert.equal(empty.status, 204);
    assert.equal(await bodyText(empty), "");
    pool.destroy();
  });

  it("keeps what arrives before the body is read, up to a close that ends it", async () => {
    pool = new WirePool(options());
    server.script = (_request, socket) => {
      socket.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhel");
      setTimeout(() => socket.end("lo"), 10);
    };
    const answer = await get();
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(await bodyText(answer), "hello");
    pool.destroy();
  });

  it("waits for a slow sink without losing bytes", async () => {
    pool = new WirePool(options());
    const body = Buffer.alloc(3 * 1024 * 1024, 7).toString("latin1");
    server.script = (_request, socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`, "latin1");
    };
    let total = 0;
    await (await get()).body.pipe(async (piece) => {
      total += piece.length;
      assert.equal(piece.every((byte) => byte === 7), true);
      await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(
        piece.every((byte) => byte === 7),
        true,
        "a piece stays valid until its promise",
      );
    });
    assert.equal(total, body.length);
    pool.destroy();
  });

  it("sends again on a new connection when the kept-alive one dies under a request", async () => {
    pool = new WirePool(options());
    server.connections = 0;
    let requests = 0;
    server.script = (_request, socket) => {
      // The second request meets a server that drops the connection instead of answering.
      if (++requests === 2) return void socket.destroy();
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    };
    assert.equal(await bodyText(await get()), "ok");
    assert.equal(await bodyText(await get()), "ok");
    assert.equal(requests, 3);
    assert.equal(server.connections, 2);
    pool.destroy();
  });

  it("fails a body cut short, a malformed answer, and a silent server", async () => {
    pool = new WirePool(options());
    server.script = (request, socket) => {
      if (request.startsWith("GET /short")) {
        socket.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      } else if (request.startsWith("GET /garbage")) {
        socket.write("HELLO\r\n\r\n");
      } // GET /silent: no answer.
    };
    await assert.rejects(bodyText(await get("/short")), /closed the connection/);
    await assert.rejects(get("/garbage"), /malformed answer/);
    await assert.rejects(get("/silent"), (error) => error instanceof TimeoutError);
    pool.destroy();
  });

  it("sends a fresh request on a new connection in place of an idle one", async () => {
    pool = new WirePool(options());
    server.connections = 0;
    const open = new Set<net.Socket>();
    server.script = (_request, socket) => {
      open.add(socket);
      socket.once("close", () => open.delete(socket));
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    };
    const fresh = (path: string) =>
      pool.send({ head: `GET ${path} HTTP/1.1\r\nhost: x\r\n`, describe: "GET", fresh: true });
    // Two idle connections (maxSockets is 2), then three fresh requests: each opens its own
    // connection and closes an idle one for it, so no more than two are ever open.
    const [first, second] = await Promise.all([get("/a"), get("/b")]);
    for (const answer of [first!, second!]) assert.equal(await bodyText(answer), "ok");
    assert.equal(server.connections, 2);
    for (const path of ["/c", "/d", "/e"]) {
      assert.equal(await bodyText(await fresh(path)), "ok");
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(open.size <= 2, `${open.size} connections open`);
    }
    assert.equal(server.connections, 5);
    // A plain request takes an idle connection again.
    assert.equal(await bodyText(await get("/f")), "ok");
    assert.equal(server.connections, 5);
    pool.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // With room in the pool, fresh requests in a row still keep one connection open, not one each.
    pool = new WirePool(options());
    assert.equal(await bodyText(await get("/g")), "ok");
    for (const path of ["/h", "/i", "/j"]) {
      assert.equal(await bodyText(await fresh(path)), "ok");
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(open.size, 1, `${open.size} connections open`);
    }
    assert.equal(server.connections, 9);
    pool.destroy();
  });

  it("stops a request on abort, and limits the connections open", async () => {
    pool = new WirePool(options());
    server.connections = 0;
    const held: net.Socket[] = [];
    server.script = (_request, socket) => void held.push(socket);
    const controller = new AbortController();
    const waits = [
      get("/a", controller.signal),
      get("/b", controller.signal),
      get("/c", controller.signal),
    ];
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.connections, 2, "maxSockets is 2");
    controller.abort(new Error("stop"));
    for (const wait of waits) await assert.rejects(wait, /stop/);
    pool.destroy();
  });
});
