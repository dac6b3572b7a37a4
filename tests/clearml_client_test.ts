import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClearMLClient } from "../src/clearml/client.ts";
import { metadataItems, metadataValues } from "../src/clearml/metadata.ts";
import { ModelsAPI } from "../src/clearml/models.ts";
import type { ClearMLClientOptions } from "../src/clearml/options.ts";
import { ProjectsAPI } from "../src/clearml/projects.ts";
import { exactNameRegex } from "../src/clearml/regex.ts";
import {
  AuthenticationError,
  ClearMLError,
  ConnectionError,
  NotFoundError,
  ServiceError,
  TimeoutError,
  ValidationError,
} from "../src/errors.ts";
import type { FetchLike } from "../src/http/fetch.ts";
import { type ClearMLUser, createClearMLServer } from "../stack/clearml/server.ts";
import { stackValue } from "./_stack.ts";

const ALICE: ClearMLUser = {
  userId: "u-alice",
  userName: "alice",
  companyId: "c-test",
  accessKey: "ALICEACCESSKEY0123456789ABCDEF",
  secretKey: "alice-secret-Zx8Qw3Ld9Vb2Nm7Kp4Rt6Yh1Sg5Fj0Ec",
};
const fast = { retries: 3, baseDelayMs: 1, maxDelayMs: 5 };

/** One request the client sent, as the in-process server saw it. */
interface Sent {
  endpoint: string;
  path: string;
  authorization: string | null;
  body: Record<string, unknown>;
}

/** Decides the fate of a request: a canned answer, a thrown network error, or the server. */
type Interceptor = (
  sent: Sent,
  index: number,
  init: RequestInit | undefined,
) => Response | Error | undefined | Promise<Response | Error | undefined>;

interface HarnessOptions extends Partial<ClearMLClientOptions> {
  intercept?: Interceptor;
  tokenLifetimeSec?: number;
}

/** A client wired to the ClearML-compatible server in-process, with a movable clock. */
function harness(options: HarnessOptions = {}) {
  const clock = { client: Date.parse("2026-03-01T12:00:00Z"), serverOffsetMs: 0 };
  const { handler } = createClearMLServer({
    users: [ALICE],
    now: () => clock.client + clock.serverOffsetMs,
    ...(options.tokenLifetimeSec === undefined
      ? {}
      : { defaultTokenExpirationSec: options.tokenLifetimeSec }),
  });
  const log: Sent[] = [];
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    const text = await request.clone().text();
    const sent: Sent = {
      endpoint: path.slice(path.lastIndexOf("/") + 1),
      path,
      authorization: request.headers.get("authorization"),
      body: text === "" ? {} : JSON.parse(text),
    };
    log.push(sent);
    const outcome = await options.intercept?.(sent, log.length - 1, init);
    if (outcome instanceof Error) throw outcome;
    return outcome ?? await handler(request);
  };
  const client = new ClearMLClient({
    apiHost: "http://clearml.test",
    accessKey: ALICE.accessKey,
    secretKey: ALICE.secretKey,
    fetch,
    retry: fast,
    now: () => clock.client,
    ...options,
  });
  const count = (endpoint: string) => log.filter((sent) => sent.endpoint === endpoint).length;
  return {
    client,
    projects: new ProjectsAPI(client),
    models: new ModelsAPI(client),
    log,
    clock,
    count,
  };
}

function envelope(status: number, subcode: number, message: string, data: unknown = {}): Response {
  return Response.json({
    meta: { result_code: status, result_subcode: subcode, result_msg: message },
    data,
  }, { status });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    () => assert.fail("expected a rejection"),
    (error: unknown) => error,
  );
}

describe("ClearMLClient: session", () => {
  it("logs in once with Basic auth at /auth.login and sends the token as Bearer", async () => {
    const { client, log } = harness();
    await client.call("projects.get_all", {});
    await client.call("models.get_all", {});
    assert.deepEqual(log.map((sent) => sent.path), [
      "/auth.login",
      "/v2.23/projects.get_all",
      "/v2.23/models.get_all",
    ]);
    const basic = log[0]?.authorization ?? "";
    assert.equal(atob(basic.replace(/^Basic /, "")), `${ALICE.accessKey}:${ALICE.secretKey}`);
    assert.match(log[1]?.authorization ?? "", /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(log[2]?.authorization, log[1]?.authorization);
  });

  it("shares one login between concurrent first calls", async () => {
    const { client, count } = harness();
    await Promise.all(Array.from({ length: 8 }, () => client.call("projects.get_all", {})));
    assert.equal(count("auth.login"), 1);
    assert.equal(count("projects.get_all"), 8);
  });

  it("logs in again before a call when the token is about to expire", async () => {
    const { client, clock, log, count } = harness({ tokenLifetimeSec: 3600 });
    await client.call("projects.get_all", {});
    clock.client += 3500_000; // 100 s left: outside the 60 s margin
    await client.call("projects.get_all", {});
    assert.equal(count("auth.login"), 1);
    clock.client += 50_000; // 50 s left
    await client.call("projects.get_all", {});
    assert.equal(count("auth.login"), 2);
    assert.equal(log.at(-2)?.endpoint, "auth.login", "the login came before the call");
    assert.notEqual(log.at(-1)?.authorization, log[1]?.authorization);
  });

  it("does not log in before every call when tokens live shorter than the margin", async () => {
    const { client, clock, count } = harness({ tokenLifetimeSec: 40 });
    await client.call("projects.get_all", {});
    clock.client += 10_000;
    await client.call("projects.get_all", {});
    assert.equal(count("auth.login"), 1);
    clock.client += 15_000; // past half of the 40 s lifetime
    await client.call("projects.get_all", {});
    assert.equal(count("auth.login"), 2);
  });

  it("logs in again once and resends after a 401 on an expired token", async () => {
    const { client, clock, log } = harness({ tokenLifetimeSec: 3600 });
    await client.call("projects.get_all", {});
    clock.serverOffsetMs = 7200_000; // the server's clock is ahead: it sees the token expired
    const data = await client.call<{ projects: unknown[] }>("projects.get_all", {});
    assert.ok(Array.isArray(data.projects));
    assert.deepEqual(log.map((sent) => sent.endpoint), [
      "auth.login",
      "projects.get_all",
      "projects.get_all",
      "auth.login",
      "projects.get_all",
    ]);
  });

  it("shares one new login between concurrent calls refused with the same token", async () => {
    const { client, clock, count } = harness({ tokenLifetimeSec: 3600 });
    await client.call("projects.get_all", {});
    clock.serverOffsetMs = 7200_000;
    await Promise.all(Array.from({ length: 6 }, () => client.call("projects.get_all", {})));
    assert.equal(count("auth.login"), 2);
  });

  it("logs through the injected logger without keys or tokens", async () => {
    const lines: string[] = [];
    const { client, clock, log } = harness({
      tokenLifetimeSec: 3600,
      logger: { debug: (line) => lines.push(line) },
    });
    await client.call("projects.get_all", {});
    clock.serverOffsetMs = 7200_000;
    await client.call("projects.get_all", {});
    assert.ok(lines.some((line) => /login/.test(line)), lines.join("\n"));
    const tokens = log.map((sent) => sent.authorization?.split(" ")[1] ?? "");
    for (const secret of [ALICE.accessKey, ALICE.secretKey, ...tokens]) {
      for (const line of lines) assert.ok(!line.includes(secret), line);
    }
  });

  it("gives up with an AuthenticationError when a fresh token is refused too", async () => {
    const { client, count } = harness({
      intercept: (sent) =>
        sent.endpoint === "models.get_all"
          ? envelope(401, 30, "Invalid token (invalid jwt token): reason=Signature has expired")
          : undefined,
    });
    const error = await rejection(client.call("models.get_all", {}));
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.service, "clearml");
    assert.equal(error.status, 401);
    assert.equal(count("auth.login"), 2);
    assert.equal(count("models.get_all"), 2);
  });

  it("rejects wrong keys with an AuthenticationError that shows neither key", async () => {
    const wrongSecret = "wrong-secret-Hj7Kl9Mn2Bv4Cx6Zq8";
    const { client, count } = harness({ secretKey: wrongSecret });
    const error = await rejection(client.login());
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.service, "clearml");
    assert.equal(error.status, 401);
    assert.match(error.message, /access\/secret keys/);
    for (const secret of [wrongSecret, ALICE.accessKey]) {
      assert.ok(!error.message.includes(secret));
      assert.ok(!String((error.cause as Error | undefined)?.message).includes(secret));
    }
    assert.equal(count("auth.login"), 1, "a refused login is not retried");
    await assert.rejects(client.call("models.get_all", {}), AuthenticationError);
  });

  it("reports a login answer that is not the ClearML API as a ServiceError", async () => {
    const { client } = harness({
      intercept: () =>
        new Response("<html><body>Welcome to nginx!</body></html>", {
          headers: { "content-type": "text/html" },
        }),
    });
    const error = await rejection(client.login());
    assert.ok(error instanceof ServiceError && !(error instanceof ClearMLError), String(error));
    assert.equal(error.status, 200);
    assert.match(error.message, /not its API/);
  });
});

describe("ClearMLClient: retries and failures", () => {
  it("retries a 503/429 burst (Retry-After honoured) and then succeeds", async () => {
    const { client, count } = harness({
      intercept: (sent) => {
        if (sent.endpoint !== "models.get_all" || count("models.get_all") > 3) return undefined;
        const status = count("models.get_all") === 2 ? 429 : 503;
        return new Response("busy", { status, headers: { "retry-after": "0" } });
      },
    });
    const data = await client.call<{ models: unknown[] }>("models.get_all", {});
    assert.deepEqual(data.models, []);
    assert.equal(count("models.get_all"), 4);
  });

  it("retries models.create after a 503, where the server did not act", async () => {
    const { client, count } = harness({
      intercept: (sent) =>
        sent.endpoint === "models.create" && count("models.create") === 1
          ? new Response("maintenance", { status: 503 })
          : undefined,
    });
    const created = await client.call<{ id: string }>("models.create", { name: "net", uri: "" });
    assert.equal(typeof created.id, "string");
    assert.equal(count("models.create"), 2);
  });

  it("counts exactly one models.create when the connection drops, and retries reads", async () => {
    const { models, count } = harness({
      intercept: (sent) =>
        ["models.create", "models.get_all"].includes(sent.endpoint) &&
          count(sent.endpoint) === 1
          ? new TypeError("fetch failed")
          : undefined,
    });
    await assert.rejects(models.create({ name: "dropped", uri: "" }), ConnectionError);
    assert.equal(count("models.create"), 1);
    assert.deepEqual(await models.getAll(), []);
    assert.equal(count("models.get_all"), 2);
  });

  it("stops retrying as soon as the signal aborts", async () => {
    const { client } = harness({
      retry: { retries: 10, baseDelayMs: 5_000, maxDelayMs: 10_000 },
      intercept: (sent) =>
        sent.endpoint === "auth.login"
          ? undefined
          : new Response("busy", { status: 503, headers: { "retry-after": "5" } }),
    });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("caller gave up")), 50);
    await assert.rejects(
      client.call("models.get_all", {}, { signal: controller.signal }),
      /caller gave up/,
    );
    assert.ok(Date.now() - started < 2_000);
  });

  it("turns a hung request into a TimeoutError", async () => {
    const { client } = harness({
      timeoutMs: 50,
      retry: { retries: 0 },
      intercept: (sent, _index, init) =>
        sent.endpoint === "auth.login" ? undefined : new Promise((_resolve, reject) => {
          // A real hung request holds a socket open; Node's AbortSignal.timeout timer does not
          // keep the process alive by itself, so this timer stands in for the socket.
          const socket = setTimeout(() => {}, 10_000);
          init?.signal?.addEventListener("abort", () => {
            clearTimeout(socket);
            reject(init.signal?.reason);
          });
        }),
    });
    const error = await rejection(client.call("models.get_all", {}));
    assert.ok(error instanceof TimeoutError, String(error));
    assert.equal(error.timeoutMs, 50);
  });

  it("reports an HTML 502 page as a ServiceError naming the status", async () => {
    const { client, count } = harness({
      intercept: (sent) =>
        sent.endpoint === "models.get_all"
          ? new Response("<html><h1>502 Bad Gateway</h1></html>", {
            status: 502,
            headers: { "content-type": "text/html" },
          })
          : undefined,
    });
    const error = await rejection(client.call("models.get_all", {}));
    assert.ok(error instanceof ServiceError && !(error instanceof ClearMLError), String(error));
    assert.equal(error.status, 502);
    assert.match(error.message, /HTTP 502/);
    assert.match(error.message, /not its API/);
    assert.equal(count("models.get_all"), 4, "a 502 on a read is retried first");
  });

  it("keeps ClearML's codes on a ClearMLError (400/201 for an unknown model)", async () => {
    const { client } = harness();
    const error = await rejection(client.call("models.get_by_id", { model: "no-such-model" }));
    assert.ok(error instanceof ClearMLError, String(error));
    assert.equal(error.endpoint, "models.get_by_id");
    assert.equal(error.status, 400);
    assert.equal(error.resultCode, 400);
    assert.equal(error.resultSubcode, 201);
    assert.match(error.resultMsg, /Invalid model id/);
  });
});

describe("ClearMLClient: options", () => {
  const base = { apiHost: "http://clearml.test", accessKey: "KEY", secretKey: "SECRET" };

  it("strips trailing slashes and accepts the web server's /api form", () => {
    assert.equal(
      new ClearMLClient({ ...base, apiHost: "http://h:8008///" }).apiHost,
      "http://h:8008",
    );
    assert.equal(
      new ClearMLClient({ ...base, apiHost: "https://h/api/" }).apiHost,
      "https://h/api",
    );
    assert.equal(new ClearMLClient(base).apiVersion, "2.23");
  });

  it("names the wrong option in a ValidationError", () => {
    const cases: [Partial<ClearMLClientOptions>, string][] = [
      [{ apiHost: "clearml.test:8008" }, "apiHost"],
      [{ apiHost: "ftp://clearml.test" }, "apiHost"],
      [{ apiHost: "http://user:pw@clearml.test" }, "apiHost"],
      [{ accessKey: "" }, "accessKey"],
      [{ secretKey: "  " }, "secretKey"],
      [{ apiVersion: "2.16" }, "apiVersion"],
      [{ apiVersion: "latest" }, "apiVersion"],
      [{ timeoutMs: 0 }, "timeoutMs"],
      [{ retry: { retries: -1 } }, "retry.retries"],
    ];
    for (const [override, field] of cases) {
      assert.throws(
        () => new ClearMLClient({ ...base, ...override }),
        (error: unknown) => error instanceof ValidationError && error.field === field,
        field,
      );
    }
  });

  it("refuses an endpoint that is not service.action before sending anything", async () => {
    const { client, log } = harness();
    await assert.rejects(client.call("../auth.login", {}), ValidationError);
    assert.equal(log.length, 0);
  });
});

describe("ProjectsAPI", () => {
  it("creates, finds by id and exact name, lists and deletes", async () => {
    const { projects } = harness();
    const id = await projects.create({ name: "project_alice", description: "models" });
    assert.equal((await projects.getById(id))?.name, "project_alice");
    assert.equal((await projects.getByName("project_alice"))?.id, id);
    assert.equal(await projects.getByName("project_alic"), null);
    assert.equal(await projects.getByName("project_alice2"), null);
    const listed = await projects.getAll({ onlyFields: ["name"] });
    assert.deepEqual(listed.map((project) => project.id), [id]);
    assert.equal(await projects.delete(id), true);
    assert.equal(await projects.delete(id), false);
    assert.equal(await projects.getById(id), null);
  });

  it("reports a duplicate name as ClearMLError 400/801, and getOrCreate reuses the project", async () => {
    const { projects } = harness();
    const id = await projects.getOrCreate({ name: "project_bob" });
    const error = await rejection(projects.create({ name: "project_bob" }));
    assert.ok(error instanceof ClearMLError && error.resultSubcode === 801, String(error));
    assert.equal(await projects.getOrCreate({ name: "project_bob" }), id);
  });

  it("matches names with regex metacharacters exactly", async () => {
    const { projects } = harness();
    const names = [
      "p.x",
      "pax",
      "p.xy",
      "team/xp+q",
      "team/xpq",
      "team/xppq",
      "team/(abc|xyz)",
      "team/abc",
    ];
    const ids = new Map<string, string>();
    for (const name of names) ids.set(name, await projects.create({ name }));
    for (const name of names) {
      assert.equal((await projects.getByName(name))?.id, ids.get(name), name);
    }
  });
});

describe("ModelsAPI", () => {
  async function withProject() {
    const context = harness();
    const projectId = await context.projects.create({ name: "project_models" });
    return { ...context, projectId };
  }

  it("creates with metadata sent as a map, ready sent explicitly, and reads it back", async () => {
    const { models, projectId, log } = await withProject();
    const id = await models.create({
      name: "resnet50",
      projectId,
      uri: "s3://placeholder",
      tags: ["prod"],
      metadata: { latest_version: "v1", versions_map: '{"v1":{"size":1.5}}' },
    });
    const sent = log.find((entry) => entry.endpoint === "models.create")?.body;
    assert.deepEqual(sent?.metadata, {
      latest_version: { key: "latest_version", type: "str", value: "v1" },
      versions_map: { key: "versions_map", type: "str", value: '{"v1":{"size":1.5}}' },
    });
    assert.equal(sent?.ready, true);
    const model = await models.getById(id);
    assert.ok(model);
    assert.equal(model.name, "resnet50");
    assert.equal(model.project, projectId);
    assert.equal(model.uri, "s3://placeholder");
    assert.deepEqual(model.tags, ["prod"]);
    assert.deepEqual(metadataValues(model), {
      latest_version: "v1",
      versions_map: '{"v1":{"size":1.5}}',
    });
  });

  it("keeps typed metadata items and can create an unpublished model", async () => {
    const { models, projectId } = await withProject();
    const id = await models.create({
      name: "typed",
      projectId,
      uri: "",
      ready: false,
      metadata: [{ key: "version_count", type: "int", value: "2" }],
    });
    const model = await models.getById(id);
    assert.equal(model?.ready, false);
    assert.deepEqual(metadataItems(model ?? { id }).version_count, {
      key: "version_count",
      type: "int",
      value: "2",
    });
    await models.setReady(id);
    assert.equal((await models.getById(id))?.ready, true);
    await models.setReady(id); // already published: 400/203 is accepted
  });

  it("merges metadata through add_or_update_metadata and sets the uri through models.edit", async () => {
    const { models, projectId, log } = await withProject();
    const id = await models.create({
      name: "merge",
      projectId,
      uri: "s3://b/_models/x/v1/",
      metadata: { a: "1", b: "1" },
    });
    await models.update({ modelId: id, uri: "s3://b/_models/x/v2/", metadata: { b: "2", c: "3" } });
    const edit = log.find((entry) => entry.endpoint === "models.edit");
    assert.deepEqual(edit?.body, { model: id, uri: "s3://b/_models/x/v2/" });
    const merge = log.find((entry) => entry.endpoint === "models.add_or_update_metadata");
    assert.deepEqual(merge?.body.metadata, [
      { key: "b", type: "str", value: "2" },
      { key: "c", type: "str", value: "3" },
    ]);
    const model = await models.getById(id);
    assert.equal(model?.uri, "s3://b/_models/x/v2/");
    assert.deepEqual(metadataValues(model ?? { id }), { a: "1", b: "2", c: "3" });

    await models.update({ modelId: id, metadata: { only: "this" }, replaceMetadata: true });
    assert.deepEqual(metadataValues((await models.getById(id)) ?? { id }), { only: "this" });
    await models.editUri({ modelId: id, uri: "s3://b/_models/x/v3/" });
    assert.equal((await models.getById(id))?.uri, "s3://b/_models/x/v3/");
    await models.deleteMetadata(id, ["only", "absent"]);
    assert.deepEqual(metadataValues((await models.getById(id)) ?? { id }), {});
  });

  it("deletes a model, reports a second delete as false and a later update as NotFoundError", async () => {
    const { models, projectId } = await withProject();
    const id = await models.create({ name: "doomed", projectId, uri: "" });
    assert.equal(await models.delete(id), true);
    assert.equal(await models.delete(id), false);
    assert.equal(await models.getById(id), null);
    const error = await rejection(models.editUri({ modelId: id, uri: "s3://x" }));
    assert.ok(error instanceof NotFoundError && error.kind === "model", String(error));
    assert.ok(error.cause instanceof ClearMLError);
  });

  it("finds names with regex metacharacters exactly, within the project", async () => {
    const { models, projects, projectId } = await withProject();
    const otherProject = await projects.create({ name: "project_other" });
    const names = [
      "a.b",
      "axb",
      "a.bc",
      "a+b",
      "aab",
      "aaab",
      "f(xy)",
      "f[1]",
      "a-b",
      "my model",
      "my_model",
      "ü.é",
      "🚀.x",
      "🚀ax",
    ];
    const ids = new Map<string, string>();
    for (const name of names) ids.set(name, await models.create({ name, projectId, uri: "" }));
    await models.create({ name: "a.b", projectId: otherProject, uri: "" });
    for (const name of names) {
      const found = await models.findByName(name, { projectId });
      assert.equal(found?.id, ids.get(name), name);
    }
    assert.equal(await models.findByName("a.", { projectId }), null);
    assert.equal((await models.getAll({ name: "a.b" })).length, 2);
    assert.equal(exactNameRegex("a.b"), "^a\\.b$");
  });

  it("pages past 500 rows and always asks for id", async () => {
    const { client, models, projectId, log } = await withProject();
    const created = new Set<string>();
    for (let i = 0; i < 1201; i++) {
      const { id } = await client.call<{ id: string }>("models.create", {
        name: `bulk-${String(i).padStart(4, "0")}`,
        project: projectId,
        uri: "",
      });
      created.add(id);
    }
    const start = log.length;
    const listed = await models.getAll({ projectId, onlyFields: ["name"] });
    const pages = log.slice(start).filter((entry) => entry.endpoint === "models.get_all");
    assert.equal(listed.length, 1201);
    assert.deepEqual(new Set(listed.map((model) => model.id)), created);
    assert.deepEqual(pages.map((page) => [page.body.page, page.body.page_size]), [
      [0, 500],
      [1, 500],
      [2, 500],
    ]);
    assert.deepEqual(pages[0]?.body.only_fields, ["id", "name"]);
    assert.deepEqual(pages[0]?.body.project, [projectId]);
    let iterated = 0;
    for await (const _model of models.iterate({ projectId, pageSize: 1000 })) iterated++;
    assert.equal(iterated, 1201, "a page size above the server's cap is lowered to 500");
  });
});

describe("ClearMLClient against the local stack", () => {
  function stackClient(overrides: Partial<ClearMLClientOptions> = {}) {
    const client = new ClearMLClient({
      apiHost: stackValue("CLEARML_API_HOST"),
      accessKey: stackValue("CLEARML_ACCESS_KEY"),
      secretKey: stackValue("CLEARML_SECRET_KEY"),
      ...overrides,
    });
    return { client, projects: new ProjectsAPI(client), models: new ModelsAPI(client) };
  }

  it("creates, finds, updates and deletes a model over a real socket", async () => {
    const { projects, models } = stackClient();
    const suffix = crypto.randomUUID().slice(0, 8);
    const projectId = await projects.getOrCreate({ name: `clearml_client_test_${suffix}` });
    try {
      const id = await models.create({
        name: `stack.model+${suffix}`,
        projectId,
        uri: "s3://placeholder",
        metadata: { latest_version: "v1" },
      });
      assert.equal((await models.findByName(`stack.model+${suffix}`, { projectId }))?.id, id);
      assert.equal(await models.findByName(`stackxmodel+${suffix}`, { projectId }), null);
      await models.update({ modelId: id, uri: "s3://b/v2/", metadata: { latest_version: "v2" } });
      const model = await models.getById(id);
      assert.equal(model?.uri, "s3://b/v2/");
      assert.equal(metadataValues(model ?? { id }).latest_version, "v2");
      assert.equal(await models.delete(id), true);
      assert.equal(await models.getById(id), null);
    } finally {
      await projects.delete(projectId, { force: true, deleteContents: true });
    }
  });

  it("rejects wrong keys with an AuthenticationError", async () => {
    const { client } = stackClient({ secretKey: "definitely-not-the-secret-1234" });
    const error = await rejection(client.login());
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.ok(!error.message.includes("definitely-not-the-secret-1234"));
  });
});
