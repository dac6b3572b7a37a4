/**
 * The ClearML-compatible server over a real socket (`stack/serve.ts` on 127.0.0.1), as the
 * official SDK and curl reach it: reference/clearml-api.md §1, §2, §3.1, §3.3.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClearMLServer } from "../stack/clearml/server.ts";
import { type ServedHandler, serveHandler } from "../stack/serve.ts";
import { ALICE, basicAuth, jwtPayload } from "./clearml_server_helpers.ts";

describe("ClearML server over HTTP", () => {
  let served: ServedHandler;

  before(async () => {
    served = await serveHandler(createClearMLServer({ users: [ALICE] }).handler);
  });

  after(async () => {
    await served.close();
  });

  async function login(): Promise<string> {
    const response = await fetch(`${served.url}/auth.login`, {
      headers: { authorization: basicAuth(ALICE) },
    });
    const body = await response.json();
    return body.data.token;
  }

  it("§3.1 curl-like GET /auth.login with Basic credentials returns a token and sets the cookie", async () => {
    const response = await fetch(`${served.url}/auth.login?expiration_sec=600`, {
      headers: { authorization: basicAuth(ALICE) },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("server"), "clearml");
    const cookie = response.headers.get("set-cookie") ?? "";
    const body = await response.json();
    assert.ok(cookie.startsWith(`clearml_token_basic=${body.data.token}`));
    const claims = jwtPayload(body.data.token);
    assert.equal(Number(claims.exp) - Number(claims.iat), 600);
  });

  it("§3.3 the SDK's flow: Bearer token on /v2.23/ paths, with PUT bodies", async () => {
    const token = await login();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const project = await fetch(`${served.url}/v2.23/projects.create`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ name: "project_alice" }),
    }).then((response) => response.json());
    assert.equal(project.meta.result_code, 200);
    const created = await fetch(`${served.url}/v2.23/models.create`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        name: "socket-model",
        uri: "s3://bucket/_models/x/v1/",
        project: project.data.id,
        metadata: { latest_version: { key: "latest_version", type: "str", value: "v1" } },
      }),
    }).then((response) => response.json());
    assert.equal(created.data.created, true);
    const query = new URLSearchParams([
      ["name", "^socket\\-model$"],
      ["only_fields", "id"],
      ["only_fields", "metadata"],
      ["project", project.data.id],
    ]);
    const found = await fetch(`${served.url}/v2.23/models.get_all?${query}`, { headers })
      .then((response) => response.json());
    assert.deepEqual(found.data.models, [{
      id: created.data.id,
      metadata: { latest_version: { key: "latest_version", type: "str", value: "v1" } },
    }]);
  });

  it("§2 errors keep HTTP status = result_code over the wire", async () => {
    const response = await fetch(`${served.url}/models.get_all`);
    assert.equal(response.status, 401);
    const body = await response.json();
    assert.equal(body.meta.result_subcode, 20);
    assert.deepEqual(body.data, {});
  });

  it("§1 OPTIONS is an empty 200 and Content-Encoding is a plain-text 415", async () => {
    const options = await fetch(`${served.url}/models.get_all`, { method: "OPTIONS" });
    assert.equal(options.status, 200);
    assert.equal(await options.text(), "");
    const encoded = await fetch(`${served.url}/models.get_all`, {
      method: "POST",
      headers: { authorization: basicAuth(ALICE), "content-encoding": "gzip" },
      body: "{}",
    });
    assert.equal(encoded.status, 415);
    assert.equal(await encoded.text(), "Content encoding is not supported (gzip)");
  });

  it("§1 a GET with only a query string works (no body)", async () => {
    const response = await fetch(`${served.url}/debug.ping?x=1&flag=true`);
    const body = await response.json();
    assert.equal(body.data.x, 1);
    assert.equal(body.data.flag, true);
  });
});
