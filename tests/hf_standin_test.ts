/**
 * The Hugging Face Hub stand-in, read with `@huggingface/hub`'s own functions: served
 * in-process, then as the running stack's `HF_ENDPOINT`. The expected bytes come from the
 * generator in `stack/hf/repos.ts`.
 */

import {
  downloadFile,
  fileDownloadInfo,
  fileExists,
  HubApiError,
  type ListFileEntry,
  listFiles,
  modelInfo,
  pathsInfo,
} from "@huggingface/hub";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  HF_GATED_REPO,
  HF_PAGE_SIZE,
  HF_PRIVATE_REPO,
  HF_PUBLIC_REPO,
  HF_TOKEN,
  HF_TOKEN_NO_ACCESS,
} from "../stack/config.ts";
import { parseRange } from "../stack/hf/content.ts";
import { createHubHandler } from "../stack/hf/handler.ts";
import {
  fileDigests,
  gatedRepo,
  type HubFile,
  privateRepo,
  publicRepo,
  seededBytes,
  stackRepos,
} from "../stack/hf/repos.ts";
import { type ServedHandler, serveHandler } from "../stack/serve.ts";
import { stackValue } from "./_stack.ts";

const PUBLIC = publicRepo();
const PRIVATE = privateRepo();
const GATED = gatedRepo();
const BIG = PUBLIC.files.find((file) => file.size > 64 * 1024 * 1024) as HubFile;

/** The sha256 of a stream, hex. */
async function sha256Of(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest("hex");
}

/** Asserts that `promise` rejects with a HubApiError of `status` whose message matches. */
async function rejectsWith(promise: Promise<unknown>, status: number, message?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof HubApiError, `a HubApiError, got ${error}`);
    assert.equal(error.statusCode, status);
    if (message) assert.match(error.message, message);
    return true;
  });
}

async function listAll(
  params: Parameters<typeof listFiles>[0],
): Promise<{ entries: ListFileEntry[]; requests: number }> {
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const entries: ListFileEntry[] = [];
  for await (const entry of listFiles({ ...params, fetch: counting })) entries.push(entry);
  return { entries, requests };
}

describe("Hub stand-in: generated repos", () => {
  it("has nested folders, one file over 64 MiB and the same bytes every time", () => {
    assert.ok(PUBLIC.files.some((file) => file.path.split("/").length >= 3));
    assert.ok(BIG !== undefined && BIG.lfs);
    assert.equal(publicRepo().sha, PUBLIC.sha);
    assert.match(PUBLIC.sha, /^[0-9a-f]{40}$/);
    assert.notEqual(PRIVATE.sha, PUBLIC.sha);
    assert.deepEqual(seededBytes(5, 3, 11), seededBytes(5, 0, 16).subarray(3, 11));
  });

  it("parses Range headers as HTTP does", () => {
    assert.deepEqual(parseRange("bytes=0-0", 10), { start: 0, end: 1 });
    assert.deepEqual(parseRange("bytes=4-", 10), { start: 4, end: 10 });
    assert.deepEqual(parseRange("bytes=-3", 10), { start: 7, end: 10 });
    assert.deepEqual(parseRange("bytes=8-100", 10), { start: 8, end: 10 });
    assert.equal(parseRange("bytes=10-12", 10), "unsatisfiable");
    assert.equal(parseRange("bytes=0-1,4-5", 10), undefined);
    assert.equal(parseRange(null, 10), undefined);
  });
});

/** The same checks against a served stand-in. */
function hubSuite(label: string, endpoint: () => string): void {
  describe(label, () => {
    const hubUrl = () => endpoint();

    it("lists the public repo recursively, paging through Link", async () => {
      const { entries, requests } = await listAll({
        repo: HF_PUBLIC_REPO,
        recursive: true,
        hubUrl: hubUrl(),
      });
      const files = entries.filter((entry) => entry.type === "file");
      assert.deepEqual(files.map((entry) => entry.path), PUBLIC.files.map((file) => file.path));
      assert.deepEqual(
        entries.filter((entry) => entry.type === "directory").map((entry) => entry.path),
        ["tokenizer", "tokenizer/special", "weights"],
      );
      assert.equal(requests, Math.ceil(entries.length / HF_PAGE_SIZE));
      for (const file of PUBLIC.files) {
        const entry = files.find((candidate) => candidate.path === file.path) as ListFileEntry;
        assert.equal(entry.size, file.size, file.path);
        assert.match(entry.oid ?? "", /^[0-9a-f]{40}$/);
        if (file.lfs) {
          const digests = await fileDigests(file);
          assert.deepEqual(entry.lfs?.oid, digests.sha256);
          assert.equal(entry.lfs?.size, file.size);
        } else {
          assert.equal(entry.lfs, undefined);
        }
      }
    });

    it("lists one folder without recursion, and with expand the last commit", async () => {
      const { entries } = await listAll({
        repo: HF_PUBLIC_REPO,
        path: "tokenizer",
        expand: true,
        hubUrl: hubUrl(),
      });
      assert.deepEqual(entries.map((entry) => [entry.type, entry.path]), [
        ["directory", "tokenizer/special"],
        ["file", "tokenizer/tokenizer.json"],
        ["file", "tokenizer/vocab.bin"],
      ]);
      assert.equal(entries[0]?.lastCommit?.id, PUBLIC.sha);
    });

    it("serves every file of the public repo with the generator's bytes", async () => {
      for (const file of PUBLIC.files) {
        const blob = await downloadFile({
          repo: HF_PUBLIC_REPO,
          path: file.path,
          hubUrl: hubUrl(),
        });
        assert.ok(blob !== null, file.path);
        assert.equal(blob.size, file.size, file.path);
        assert.equal(await sha256Of(blob.stream()), (await fileDigests(file)).sha256, file.path);
      }
    });

    it("answers ranged reads (206, Content-Range, ETag) across the 64 MiB mark", async () => {
      const info = await fileDownloadInfo({
        repo: HF_PUBLIC_REPO,
        path: BIG.path,
        hubUrl: hubUrl(),
      });
      assert.ok(info !== null);
      assert.equal(info.size, BIG.size);
      assert.equal(info.etag, `"${(await fileDigests(BIG)).sha256}"`);
      assert.equal(info.xet, undefined);
      const blob = await downloadFile({ repo: HF_PUBLIC_REPO, path: BIG.path, hubUrl: hubUrl() });
      assert.ok(blob !== null);
      const start = 64 * 1024 * 1024 - 1000;
      const slice = new Uint8Array(await blob.slice(start, start + 5000).arrayBuffer());
      const seed = (BIG.content as { seed: number }).seed;
      assert.deepEqual(slice, seededBytes(seed, start, start + 5000));

      const response = await fetch(
        `${hubUrl()}/${HF_PUBLIC_REPO}/resolve/main/${BIG.path}`,
        { headers: { range: `bytes=${BIG.size - 10}-` } },
      );
      assert.equal(response.status, 206);
      assert.equal(
        response.headers.get("content-range"),
        `bytes ${BIG.size - 10}-${BIG.size - 1}/${BIG.size}`,
      );
      assert.equal(response.headers.get("content-length"), "10");
      assert.equal(response.headers.get("accept-ranges"), "bytes");
      assert.equal(response.headers.get("x-repo-commit"), PUBLIC.sha);
      assert.doesNotMatch(response.headers.get("content-type") ?? "", /xet/);
      assert.deepEqual(
        new Uint8Array(await response.arrayBuffer()),
        seededBytes(seed, BIG.size - 10, BIG.size),
      );
      const unsatisfiable = await fetch(
        `${hubUrl()}/${HF_PUBLIC_REPO}/resolve/main/${BIG.path}`,
        { headers: { range: `bytes=${BIG.size}-` } },
      );
      assert.equal(unsatisfiable.status, 416);
      assert.equal(unsatisfiable.headers.get("content-range"), `bytes */${BIG.size}`);
      await unsatisfiable.body?.cancel();
    });

    it("resolves main to the fixed commit sha, and serves that sha as a revision", async () => {
      const info = await modelInfo({
        name: HF_PUBLIC_REPO,
        hubUrl: hubUrl(),
        additionalFields: ["sha", "filePaths"],
      });
      assert.equal(info.sha, PUBLIC.sha);
      assert.equal(info.name, HF_PUBLIC_REPO);
      assert.equal(info.private, false);
      assert.equal(info.gated, false);
      assert.deepEqual(
        info.filePaths,
        PUBLIC.files.map((file) => file.path),
      );
      const { entries } = await listAll({
        repo: HF_PUBLIC_REPO,
        revision: PUBLIC.sha,
        hubUrl: hubUrl(),
      });
      assert.ok(entries.some((entry) => entry.path === "config.json"));
      const config = await downloadFile({
        repo: HF_PUBLIC_REPO,
        path: "config.json",
        revision: PUBLIC.sha,
        hubUrl: hubUrl(),
      });
      assert.match((await config?.text()) ?? "", /TinyModel/);
    });

    it("answers fileExists and pathsInfo", async () => {
      const hub = hubUrl();
      assert.equal(
        await fileExists({ repo: HF_PUBLIC_REPO, path: "config.json", hubUrl: hub }),
        true,
      );
      assert.equal(await fileExists({ repo: HF_PUBLIC_REPO, path: BIG.path, hubUrl: hub }), true);
      assert.equal(
        await fileExists({ repo: HF_PUBLIC_REPO, path: "nope.bin", hubUrl: hub }),
        false,
      );
      const infos = await pathsInfo({
        repo: HF_PUBLIC_REPO,
        paths: [BIG.path, "weights", "missing.txt"],
        hubUrl: hub,
      });
      assert.deepEqual(infos.map((info) => [info.type, info.path]), [
        ["file", BIG.path],
        ["directory", "weights"],
      ]);
      assert.equal(infos[0]?.lfs?.oid, (await fileDigests(BIG)).sha256);
    });

    it("refuses the private repo without a token (401) and with a wrong one", async () => {
      const hub = hubUrl();
      await rejectsWith(listAll({ repo: HF_PRIVATE_REPO, hubUrl: hub }), 401, /not found/i);
      await rejectsWith(
        downloadFile({ repo: HF_PRIVATE_REPO, path: "config.json", hubUrl: hub }),
        401,
      );
      await rejectsWith(modelInfo({ name: HF_PRIVATE_REPO, hubUrl: hub }), 401);
      await rejectsWith(
        listAll({ repo: HF_PRIVATE_REPO, hubUrl: hub, accessToken: "hf_notTheRightToken" }),
        401,
        /Invalid credentials/,
      );
    });

    it("answers the private repo as not found (404) to a valid token without access", async () => {
      const hub = hubUrl();
      await rejectsWith(
        listAll({ repo: HF_PRIVATE_REPO, hubUrl: hub, accessToken: HF_TOKEN_NO_ACCESS }),
        404,
        /not found/i,
      );
    });

    it("lists the gated repo for anyone but serves its files to the granted token only", async () => {
      const hub = hubUrl();
      const { entries } = await listAll({ repo: HF_GATED_REPO, recursive: true, hubUrl: hub });
      assert.ok(entries.some((entry) => entry.path === "weights/model.safetensors"));
      const info = await modelInfo({ name: HF_GATED_REPO, hubUrl: hub });
      assert.equal(info.gated, "manual");
      await rejectsWith(
        downloadFile({ repo: HF_GATED_REPO, path: "config.json", hubUrl: hub }),
        401,
        /restricted/,
      );
      await rejectsWith(
        downloadFile({
          repo: HF_GATED_REPO,
          path: "config.json",
          hubUrl: hub,
          accessToken: HF_TOKEN_NO_ACCESS,
        }),
        403,
        /not in the authorized list/,
      );
      for (const file of GATED.files) {
        const blob = await downloadFile({
          repo: HF_GATED_REPO,
          path: file.path,
          hubUrl: hub,
          accessToken: HF_TOKEN,
        });
        assert.ok(blob !== null);
        assert.equal(await sha256Of(blob.stream()), (await fileDigests(file)).sha256, file.path);
      }
      const response = await fetch(`${hub}/${HF_GATED_REPO}/resolve/main/config.json`);
      assert.equal(response.headers.get("x-error-code"), "GatedRepo");
      await response.body?.cancel();
    });

    it("serves the private repo with the token", async () => {
      const hub = hubUrl();
      const accessToken = HF_TOKEN;
      const { entries } = await listAll({
        repo: HF_PRIVATE_REPO,
        recursive: true,
        hubUrl: hub,
        accessToken,
      });
      assert.deepEqual(
        entries.filter((entry) => entry.type === "file").map((entry) => entry.path),
        PRIVATE.files.map((file) => file.path),
      );
      for (const file of PRIVATE.files) {
        const blob = await downloadFile({
          repo: HF_PRIVATE_REPO,
          path: file.path,
          hubUrl: hub,
          accessToken,
        });
        assert.ok(blob !== null);
        assert.equal(await sha256Of(blob.stream()), (await fileDigests(file)).sha256, file.path);
      }
      const info = await modelInfo({
        name: HF_PRIVATE_REPO,
        hubUrl: hub,
        accessToken,
        additionalFields: ["sha"],
      });
      assert.equal(info.private, true);
      assert.equal(info.sha, PRIVATE.sha);
    });

    it("reports an unknown repo, revision and file as the Hub does", async () => {
      const hub = hubUrl();
      await rejectsWith(
        listAll({ repo: "aipmodel-test/no-such-model", hubUrl: hub }),
        404,
        /not found/i,
      );
      await rejectsWith(modelInfo({ name: "aipmodel-test/no-such-model", hubUrl: hub }), 404);
      await rejectsWith(
        listAll({ repo: HF_PUBLIC_REPO, revision: "no-such-branch", hubUrl: hub }),
        404,
        /Invalid rev id: no-such-branch/,
      );
      await rejectsWith(
        downloadFile({ repo: HF_PUBLIC_REPO, path: "config.json", revision: "v9", hubUrl: hub }),
        404,
        /Invalid rev id/,
      );
      assert.equal(
        await downloadFile({ repo: HF_PUBLIC_REPO, path: "weights/none.bin", hubUrl: hub }),
        null,
      );
      await rejectsWith(listAll({ repo: HF_PUBLIC_REPO, path: "nowhere", hubUrl: hub }), 404);
      const response = await fetch(`${hub}/${HF_PUBLIC_REPO}/resolve/main/none.bin`);
      assert.equal(response.status, 404);
      assert.equal(response.headers.get("x-error-code"), "EntryNotFound");
      await response.body?.cancel();
      const revision = await fetch(`${hub}/api/models/${HF_PUBLIC_REPO}/tree/v9`);
      assert.equal(revision.headers.get("x-error-code"), "RevisionNotFound");
      await revision.body?.cancel();
      const repo = await fetch(`${hub}/api/models/aipmodel-test/none/tree/main`);
      assert.equal(repo.headers.get("x-error-code"), "RepoNotFound");
      await repo.body?.cancel();
    });
  });
}

let served: ServedHandler | undefined;
describe("Hub stand-in (in-process)", () => {
  before(async () => {
    served = await serveHandler(
      createHubHandler({
        repos: stackRepos(),
        tokens: [HF_TOKEN, HF_TOKEN_NO_ACCESS],
        grantedTokens: [HF_TOKEN],
        pageSize: HF_PAGE_SIZE,
      }),
    );
  });
  after(async () => {
    await served?.close();
  });
  hubSuite("served on 127.0.0.1:0", () => (served as ServedHandler).url);
});

describe("local stack: Hub stand-in", () => {
  it("has HF_ENDPOINT, an hf_ HF_TOKEN and HF_REPO in .stack/env", () => {
    assert.match(stackValue("HF_ENDPOINT"), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(stackValue("HF_TOKEN"), HF_TOKEN);
    assert.equal(stackValue("HF_REPO"), HF_PUBLIC_REPO);
    assert.equal(stackValue("HF_PRIVATE_REPO"), HF_PRIVATE_REPO);
    assert.equal(stackValue("HF_GATED_REPO"), HF_GATED_REPO);
    assert.equal(stackValue("HF_TOKEN_NO_ACCESS"), HF_TOKEN_NO_ACCESS);
  });
  hubSuite("at HF_ENDPOINT", () => stackValue("HF_ENDPOINT"));
});
