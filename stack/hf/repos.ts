/**
 * The repos the Hugging Face Hub stand-in serves, generated from seeds: small text files are
 * built in memory, large files come from a counter-based generator that yields any byte range
 * without producing the bytes before it, so no file is stored in git and none is ever held whole
 * in memory (the largest is over 64 MiB).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { HF_GATED_REPO, HF_PRIVATE_REPO, HF_PUBLIC_REPO } from "../config.ts";

/** The bytes of a file: fixed (small text) or generated from a seed. */
export type FileContent =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "seeded"; seed: number; size: number };

/** One file of a repo. */
export interface HubFile {
  /** The path inside the repo, `/`-separated, no leading slash. */
  path: string;
  /** The size in bytes. */
  size: number;
  /** Whether the Hub would keep it in LFS (tree entries carry `lfs`, `resolve` the sha256). */
  lfs: boolean;
  /** Its bytes. */
  content: FileContent;
}

/** One model repo. */
export interface HubRepo {
  /** `owner/name`. */
  id: string;
  /** Whether a granted token is needed to read it at all. */
  private: boolean;
  /**
   * Whether its files are gated: listing and info are public, downloads need a granted token
   * (401 without a token, 403 with one not granted, both `X-Error-Code: GatedRepo`).
   */
  gated: false | "auto" | "manual";
  /** The commit `main` resolves to (40 hex). */
  sha: string;
  /** When the commit was made (fixed). */
  lastModified: string;
  /** The files, sorted by path. */
  files: HubFile[];
}

/** The digests of a file, as the Hub reports them. */
export interface FileDigests {
  /** sha256 of the content, hex (an LFS file's `lfs.oid` and ETag). */
  sha256: string;
  /** The git blob id (sha1 of `blob <size>\0` + content) of what git stores: the content or the LFS pointer. */
  gitOid: string;
  /** The LFS pointer text, for LFS files. */
  pointer?: string;
}

const CHUNK = 64 * 1024;
const encoder = new TextEncoder();

/** The 32-bit word number `index` of the stream of `seed` (murmur3's finaliser over a counter). */
function word(seed: number, index: number): number {
  let h = (Math.imul(index, 0x9e3779b1) ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Bytes `start` (inclusive) to `end` (exclusive) of the seeded stream, little-endian words. */
export function seededBytes(seed: number, start: number, end: number): Uint8Array {
  const first = Math.floor(start / 4);
  const last = Math.ceil(end / 4);
  const out = new Uint8Array((last - first) * 4);
  for (let index = first, at = 0; index < last; index++, at += 4) {
    const value = word(seed, index);
    out[at] = value & 0xff;
    out[at + 1] = (value >>> 8) & 0xff;
    out[at + 2] = (value >>> 16) & 0xff;
    out[at + 3] = value >>> 24;
  }
  return out.subarray(start - first * 4, end - first * 4);
}

/** Bytes `start` (inclusive) to `end` (exclusive) of a file, in chunks of at most 64 KiB. */
export function fileChunks(file: HubFile, start = 0, end = file.size): ReadableStream<Uint8Array> {
  let position = start;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (position >= end) {
        controller.close();
        return;
      }
      const stop = Math.min(end, position + CHUNK);
      const chunk = file.content.kind === "bytes"
        ? file.content.bytes.slice(position, stop)
        : seededBytes(file.content.seed, position, stop);
      position = stop;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

const digests = new WeakMap<HubFile, Promise<FileDigests>>();

/** The file's digests, computed once by streaming its bytes (a 65 MiB file takes a moment). */
export function fileDigests(file: HubFile): Promise<FileDigests> {
  let known = digests.get(file);
  if (known === undefined) {
    known = computeDigests(file);
    digests.set(file, known);
  }
  return known;
}

async function computeDigests(file: HubFile): Promise<FileDigests> {
  const sha256 = createHash("sha256");
  const blob = createHash("sha1").update(`blob ${file.size}\0`);
  for await (const chunk of fileChunks(file) as unknown as AsyncIterable<Uint8Array>) {
    sha256.update(chunk);
    if (!file.lfs) blob.update(chunk);
  }
  const hex = sha256.digest("hex");
  if (!file.lfs) return { sha256: hex, gitOid: blob.digest("hex") };
  const pointer = lfsPointer(hex, file.size);
  return { sha256: hex, gitOid: gitBlobOid(encoder.encode(pointer)), pointer };
}

/** The text git keeps in place of an LFS file. */
export function lfsPointer(sha256: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;
}

/** The git blob id of some bytes. */
export function gitBlobOid(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** A file of fixed text. */
export function textFile(path: string, text: string): HubFile {
  const bytes = encoder.encode(text);
  return { path, size: bytes.length, lfs: false, content: { kind: "bytes", bytes } };
}

/** A file of `size` seeded bytes; LFS unless told otherwise (as `*.safetensors` on the Hub). */
export function seededFile(path: string, seed: number, size: number, lfs = true): HubFile {
  return { path, size, lfs, content: { kind: "seeded", seed, size } };
}

/** A repo from its files; its commit sha is derived from its id, so it is the same every run. */
export function makeRepo(
  id: string,
  files: HubFile[],
  options: { private?: boolean; gated?: false | "auto" | "manual" } = {},
): HubRepo {
  return {
    id,
    private: options.private ?? false,
    gated: options.gated ?? false,
    sha: createHash("sha1").update(`aipmodel-test commit 1 of ${id}`).digest("hex"),
    lastModified: "2026-01-15T12:00:00.000Z",
    files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

const MIB = 1024 * 1024;

/** A tokenizer file of a few hundred generated tokens (deterministic). */
function tokenizerJson(count: number, seed: number): string {
  const vocab: Record<string, number> = {};
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let index = 0; index < count; index++) {
    const value = word(seed, index);
    let token = "";
    for (let length = 2 + (value % 6), rest = value; length > 0; length--, rest = rest >>> 4) {
      token += letters[rest % 26];
    }
    vocab[`${token}${index}`] = index;
  }
  return `${JSON.stringify({ version: "1.0", model: { type: "BPE", vocab } }, null, 2)}\n`;
}

/** The public repo: nested folders, text files and LFS weights, one of them over 64 MiB. */
export function publicRepo(): HubRepo {
  return makeRepo(HF_PUBLIC_REPO, [
    textFile(".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"),
    textFile("README.md", "# tiny-model\n\nGenerated by the aipmodel local stack for tests.\n"),
    textFile(
      "config.json",
      `${
        JSON.stringify(
          { architectures: ["TinyModel"], hidden_size: 64, num_layers: 2, vocab_size: 300 },
          null,
          2,
        )
      }\n`,
    ),
    textFile("tokenizer/tokenizer.json", tokenizerJson(300, 11)),
    textFile("tokenizer/special/special_tokens_map.json", '{"eos_token": "</s>"}\n'),
    seededFile("tokenizer/vocab.bin", 12, 40_000, false),
    seededFile("weights/model-00001-of-00002.safetensors", 21, 3 * MIB + 17),
    seededFile("weights/model-00002-of-00002.safetensors", 22, 65 * MIB + 4321),
    textFile(
      "weights/model.safetensors.index.json",
      `${
        JSON.stringify({
          weight_map: {
            "layer.0": "model-00001-of-00002.safetensors",
            "layer.1": "model-00002-of-00002.safetensors",
          },
        })
      }\n`,
    ),
  ]);
}

/** The private repo: needs a valid token. */
export function privateRepo(): HubRepo {
  return makeRepo(HF_PRIVATE_REPO, [
    textFile("config.json", '{"architectures": ["PrivateTinyModel"]}\n'),
    seededFile("model.safetensors", 31, 2 * MIB + 5),
    textFile("extra/notes/readme.txt", "private notes\n"),
  ], { private: true });
}

/** The gated repo: listed by anyone, downloaded with a granted token only. */
export function gatedRepo(): HubRepo {
  return makeRepo(HF_GATED_REPO, [
    textFile("config.json", '{"architectures": ["GatedTinyModel"]}\n'),
    seededFile("weights/model.safetensors", 41, 1024 * 1024 + 3),
  ], { gated: "manual" });
}

/** The repos the stack's stand-in serves. */
export function stackRepos(): HubRepo[] {
  return [publicRepo(), privateRepo(), gatedRepo()];
}
