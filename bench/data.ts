/**
 * The benchmark's data: the three cases, generated from a seed (the same bytes on every machine
 * and run), streamed to disk a few MiB at a time, with each file's SHA-256 taken while writing;
 * and the check of a downloaded tree against them.
 *
 * @module
 */

import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** One case of the benchmark. */
export interface CaseSpec {
  /** "a", "b" or "c". */
  id: string;
  /** What the case is, for the table. */
  title: string;
  /** One file (uploaded as a file) or a folder (uploaded as a folder). */
  single: boolean;
  /** The files, relative to the case's folder. */
  files: { path: string; size: number }[];
}

/** A generated file: path relative to the case's folder, size and SHA-256 (hex). */
export interface DataFile {
  path: string;
  size: number;
  sha256: string;
}

/** The three cases; `quick` shrinks them for CI (64 MiB, 8 x 8 MiB, 200 x 64 KiB). */
export function caseSpecs(quick: boolean): CaseSpec[] {
  const big = quick ? 64 * MiB : GiB;
  const part = quick ? 8 * MiB : 128 * MiB;
  const small = quick ? 200 : 2000;
  const pad = (n: number, width: number) => String(n).padStart(width, "0");
  return [
    {
      id: "a",
      title: `1 file of ${sizeText(big)}`,
      single: true,
      files: [{ path: "model.bin", size: big }],
    },
    {
      id: "b",
      title: `8 files of ${sizeText(part)}`,
      single: false,
      files: Array.from({ length: 8 }, (_, i) => ({
        path: `model-${pad(i + 1, 5)}-of-00008.safetensors`,
        size: part,
      })),
    },
    {
      id: "c",
      title: `${small.toLocaleString("en-US")} files of 64 KiB`,
      single: false,
      // Ten sub-folders, as a checkpoint of many shards would have.
      files: Array.from({ length: small }, (_, i) => ({
        path: `shard-${pad(i % 10, 2)}/tensor-${pad(i, 5)}.bin`,
        size: 64 * 1024,
      })),
    },
  ];
}

/** "1 GiB", "128 MiB", "64 KiB". */
export function sizeText(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${bytes / 1024} KiB`;
}

/**
 * Writes the case's files under `dir` (created) and returns them with their SHA-256. The bytes
 * come from xoshiro128** seeded by `seed` and the file's path: random-looking (nothing for a
 * transport to compress) and the same everywhere.
 */
export function generateCase(dir: string, spec: CaseSpec, seed: number): DataFile[] {
  const chunk = new Uint32Array(MiB); // 4 MiB per write
  const bytes = new Uint8Array(chunk.buffer);
  const out: DataFile[] = [];
  for (const file of spec.files) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    const next = xoshiro128(seed, file.path);
    const hash = createHash("sha256");
    const fd = openSync(target, "w");
    try {
      let left = file.size;
      while (left > 0) {
        const n = Math.min(left, bytes.length);
        const words = Math.ceil(n / 4);
        for (let i = 0; i < words; i++) chunk[i] = next();
        const view = bytes.subarray(0, n);
        hash.update(view);
        let written = 0;
        while (written < n) written += writeSync(fd, view, written, n - written);
        left -= n;
      }
    } finally {
      closeSync(fd);
    }
    out.push({ path: file.path, size: file.size, sha256: hash.digest("hex") });
  }
  return out;
}

/** xoshiro128** (Blackman and Vigna), its state filled by splitmix32 from the seed and a name. */
function xoshiro128(seed: number, name: string): () => number {
  let h = seed >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x9e3779b1) >>> 0;
  const splitmix = () => {
    h = (h + 0x9e3779b9) | 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix(), s1 = splitmix(), s2 = splitmix(), s3 = splitmix();
  return () => {
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };
}

/** Every regular file under `root`, as paths relative to it with `/` separators. */
export function listFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push(relative(root, path).split(sep).join("/"));
    }
  };
  walk(root);
  return found.sort();
}

/** The SHA-256 (hex) of a file, read as a stream. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) {
    hash.update(chunk as Uint8Array);
  }
  return hash.digest("hex");
}

/**
 * Checks that `root` holds exactly the expected files, each with its size and (unless `hash` is
 * false) its SHA-256. A tool may nest the files one folder deeper (the SDK writes
 * `<dest>/<version>/...`): the files are matched by their path's end. Returns what is wrong, or
 * undefined.
 */
export async function verifyTree(
  root: string,
  expected: DataFile[],
  hash = true,
): Promise<string | undefined> {
  let found: string[];
  try {
    found = listFiles(root);
  } catch (error) {
    return `cannot list ${root}: ${(error as Error).message}`;
  }
  if (found.length !== expected.length) {
    return `${found.length} files downloaded, ${expected.length} expected`;
  }
  // The common prefix the tool added (e.g. "r1/"), taken from the first expected file.
  const first = expected[0]!;
  const match = found.find((path) => path === first.path || path.endsWith(`/${first.path}`));
  if (match === undefined) return `${first.path} is missing`;
  const prefix = match.slice(0, match.length - first.path.length);
  for (const file of expected) {
    const path = join(root, prefix + file.path);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return `${prefix}${file.path} is missing`;
    }
    if (size !== file.size) return `${prefix}${file.path}: ${size} bytes, ${file.size} expected`;
    if (hash && await fileSha256(path) !== file.sha256) {
      return `${prefix}${file.path}: SHA-256 differs from the generated file`;
    }
  }
  return undefined;
}
