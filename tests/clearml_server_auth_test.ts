/**
 * The ClearML-compatible server against reference/clearml-api.md §3 (authentication).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClearMLServer } from "../stack/clearml/server.ts";
import {
  ALICE,
  assertError,
  BOB,
  jwtPayload,
  type Reply,
  START,
  testServer,
} from "./clearml_server_helpers.ts";

const HEX32 = /^[0-9a-f]{32}$/;
const THIRTY_DAYS = 2_592_000;

async function login(t: ReturnType<typeof testServer>, path = "/auth.login"): Promise<Reply> {
  const reply = await t.call(path, { method: "GET" });
  assert.equal(reply.status, 200, reply.text);
  return reply;
}

async function hmacSha256(secret: string, input: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(input)));
  return btoa(String.fromCharCode(...signature)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

describe("ClearML server §3.1 auth.login", () => {
  it("§3.1 GET /auth.login with Basic key:secret returns {token} (a secret may contain ':')", async () => {
    const t = testServer();
    const reply = await login(t);
    assert.deepEqual(Object.keys(reply.body.data), ["token"]);
    assert.match(reply.body.data.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(ALICE.secretKey.includes(":"));
  });

  it("§3.1 the token is an HS256 JWT signed with the server's token secret", async () => {
    const t = testServer({ tokenSecret: "s3cret" });
    const token: string = (await login(t)).body.data.token;
    const [header = "", payload = "", signature = ""] = token.split(".");
    assert.deepEqual(JSON.parse(atob(header)), { alg: "HS256", typ: "JWT" });
    assert.equal(signature, await hmacSha256("s3cret", `${header}.${payload}`));
  });

  it("§3.1 the claims: auth_type, identity, iat, exp (+30 days), session_id, env, api_version ≥ 2.23, server_version, feature_set", async () => {
    const t = testServer();
    const claims = jwtPayload((await login(t)).body.data.token);
    assert.equal(claims.auth_type, "Bearer");
    assert.deepEqual(claims.identity, {
      user: ALICE.userId,
      company: ALICE.companyId,
      role: "user",
      user_name: ALICE.userName,
      company_name: "clearml",
    });
    assert.equal(claims.iat, Math.floor(START / 1000));
    assert.equal(claims.exp, Math.floor(START / 1000) + THIRTY_DAYS);
    assert.match(String(claims.session_id), HEX32);
    assert.equal(typeof claims.env, "string");
    assert.equal(claims.api_version, "2.34");
    assert.ok(Number(String(claims.api_version).split(".")[1]) >= 23);
    assert.equal(typeof claims.server_version, "string");
    assert.equal(claims.feature_set, "basic");
  });

  it("§3.1 expiration_sec (query string or body) sets exp", async () => {
    const t = testServer();
    const fromQuery = jwtPayload((await login(t, "/auth.login?expiration_sec=60")).body.data.token);
    assert.equal(Number(fromQuery.exp) - Number(fromQuery.iat), 60);
    const fromBody = await t.ok("/auth.login", { expiration_sec: 31_536_000 });
    const claims = jwtPayload(String(fromBody.token));
    assert.equal(Number(claims.exp) - Number(claims.iat), 31_536_000);
  });

  it("§3.1 expiration_sec above 31536000 is 400/12", async () => {
    const t = testServer();
    assertError(
      await t.call("/auth.login?expiration_sec=31536001"),
      400,
      12,
      "Validation error ('31536001' is bigger than maximum ('31536000').)",
    );
  });

  it("§3.1 the default lifetime can be configured", async () => {
    const server = createClearMLServer({ users: [ALICE], defaultTokenExpirationSec: 120 });
    const reply = await server.handler(
      new Request("http://x/auth.login", {
        headers: { authorization: `Basic ${btoa(`${ALICE.accessKey}:${ALICE.secretKey}`)}` },
      }),
    );
    const claims = jwtPayload((await reply.json()).data.token);
    assert.equal(Number(claims.exp) - Number(claims.iat), 120);
  });

  it("§3.1 login sets the clearml_token_basic cookie (HttpOnly, SameSite=Lax)", async () => {
    const t = testServer();
    const reply = await login(t);
    const cookie = reply.headers.get("set-cookie") ?? "";
    assert.ok(cookie.startsWith(`clearml_token_basic=${reply.body.data.token};`), cookie);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\//);
  });

  it("§3.1 a call with only the cookie is authenticated; an explicit header wins", async () => {
    const t = testServer();
    const token = (await login(t)).body.data.token;
    const cookie = `other=1; clearml_token_basic=${token}`;
    assert.equal((await t.anonymous("/models.get_all", { headers: { cookie } })).status, 200);
    assertError(
      await t.call("/models.get_all", { token: "garbage", headers: { cookie } }),
      401,
      30,
    );
  });

  it("§3.1 a valid Bearer token can log in again (token refresh)", async () => {
    const t = testServer();
    const token = (await login(t)).body.data.token;
    t.clock.now += 5000;
    const refreshed = await t.call("/auth.login", { token });
    assert.equal(refreshed.status, 200);
    const claims = jwtPayload(refreshed.body.data.token);
    assert.equal(claims.iat, Math.floor((START + 5000) / 1000));
    assert.deepEqual((claims.identity as Record<string, string>).user, ALICE.userId);
  });

  it("§3.1 tokens survive a restart when the token secret is fixed", async () => {
    const first = testServer({ tokenSecret: "fixed" });
    const token = (await login(first)).body.data.token;
    const second = testServer({ tokenSecret: "fixed" });
    assert.equal((await second.call("/models.get_all", { token })).status, 200);
    const other = testServer({ tokenSecret: "different" });
    assertError(
      await other.call("/models.get_all", { token }),
      401,
      30,
      "Invalid token (invalid jwt token): reason=Signature verification failed",
    );
  });
});

describe("ClearML server §3.2 authorising other calls", () => {
  it("§3.2 Bearer tokens and Basic credentials are both accepted on every endpoint", async () => {
    const t = testServer();
    const token = (await login(t)).body.data.token;
    assert.equal((await t.call("/projects.get_all", { token })).status, 200);
    assert.equal((await t.call("/projects.get_all")).status, 200);
  });

  it("§3.2 an expired token gets 401/30 'Signature has expired'", async () => {
    const t = testServer();
    const token = (await login(t, "/auth.login?expiration_sec=60")).body.data.token;
    t.clock.now = START + 59_000;
    assert.equal((await t.call("/models.get_all", { token })).status, 200);
    t.clock.now = Math.floor(START / 1000) * 1000 + 60_000;
    assertError(
      await t.call("/models.get_all", { token }),
      401,
      30,
      "Invalid token (invalid jwt token): reason=Signature has expired",
    );
  });

  it("§3.2 a garbage token gets 401/30 with the JWT library's reason", async () => {
    const t = testServer();
    const cases: [string, string][] = [
      ["garbage", "Not enough segments"],
      ["", "Not enough segments"],
      ["a.b", "Not enough segments"],
      ["!!!.e30.sig", "Invalid header string: Unexpected end of JSON input"],
    ];
    for (const [token, reason] of cases) {
      const reply = await t.call("/models.get_all", { token });
      assertError(reply, 401, 30);
      if (!reason.startsWith("Invalid header string")) {
        assert.equal(
          reply.body.meta.result_msg,
          `Invalid token (invalid jwt token): reason=${reason}`,
        );
      }
    }
  });

  it("§3.2 a forged token (changed claims, old signature) gets 401/30", async () => {
    const t = testServer();
    const [header, , signature] = ((await login(t)).body.data.token as string).split(".");
    const forged = btoa(JSON.stringify({ identity: { user: BOB.userId, company: BOB.companyId } }))
      .replace(/=+$/, "");
    assertError(
      await t.call("/models.get_all", { token: `${header}.${forged}.${signature}` }),
      401,
      30,
      "Invalid token (invalid jwt token): reason=Signature verification failed",
    );
  });

  it("§3.2 no Authorization header and no cookie is 401/20 'Unauthorized (missing credentials)'", async () => {
    const t = testServer();
    assertError(
      await t.anonymous("/models.get_all"),
      401,
      20,
      "Unauthorized (missing credentials)",
    );
    assertError(
      await t.anonymous("/models.get_all", { headers: { authorization: "" } }),
      401,
      20,
    );
  });

  it("§3.2 a scheme other than exactly Bearer/Basic is 401/10", async () => {
    const t = testServer();
    for (const authorization of ["bearer abc", "basic abc", "Token abc", "Digest x"]) {
      assertError(
        await t.anonymous("/models.get_all", { headers: { authorization } }),
        401,
        10,
        "Unauthorized (bad authentication header type)",
      );
    }
  });

  it("§3.2 Basic credentials that are not valid base64 are 401/21", async () => {
    const t = testServer();
    assertError(
      await t.anonymous("/models.get_all", { headers: { authorization: "Basic QUJDRA" } }),
      401,
      21,
      "Unauthorized (malformed credentials) (Incorrect padding)",
    );
    assertError(
      await t.anonymous("/models.get_all", { headers: { authorization: "Basic QUJDR" } }),
      401,
      21,
      "Unauthorized (malformed credentials) (Invalid base64-encoded string: " +
        "number of data characters (5) cannot be 1 more than a multiple of 4)",
    );
  });

  it("§3.2 a wrong key or secret is 401/22", async () => {
    const t = testServer();
    for (const pair of [`${ALICE.accessKey}:wrong`, `NOPE:${ALICE.secretKey}`, "", "no-colon"]) {
      assertError(
        await t.anonymous("/models.get_all", { headers: { authorization: `Basic ${btoa(pair)}` } }),
        401,
        22,
        "Unauthorized (invalid credentials) (failed to locate provided credentials)",
      );
    }
  });

  it("§3.2 auth.login itself needs credentials (401/20 without)", async () => {
    const t = testServer();
    assertError(await t.anonymous("/auth.login"), 401, 20);
  });

  it("§6 debug.ping needs no credentials, and bad ones do not fail it", async () => {
    const t = testServer();
    const reply = await t.anonymous("/debug.ping");
    assert.equal(reply.status, 200);
    assert.equal(reply.body.data.msg, "ClearML server");
    assert.equal((await t.call("/debug.ping", { token: "garbage" })).status, 200);
  });
});
