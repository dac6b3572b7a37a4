/**
 * The escape and character-class half of the Python-regex translation (see `pyregex.ts`):
 * what follows a backslash, and `[...]`, scanned with Python's rules.
 *
 * @module
 */

/** A pattern Python would not compile (or that this translation does not support). */
export class PythonRegexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PythonRegexError";
  }
}

/** The scanning state shared by the translator's parts. */
export interface Scan {
  /** The Python pattern. */
  readonly pattern: string;
  /** The index of the next character to read. */
  pos: number;
  /** How many capturing groups have been opened so far. */
  groups: number;
  /** The capturing groups already closed (back-references may only name those). */
  readonly closed: Set<number>;
}

/** Throws Python's message for a compile error at `at`. */
export function fail(scan: Scan, message: string, at = scan.pos): never {
  throw new PythonRegexError(`${message} at position ${at}`);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  d: "\\d",
  D: "\\D",
  w: "\\w",
  W: "\\W",
  s: "\\s",
  S: "\\S",
  n: "\\n",
  t: "\\t",
  r: "\\r",
  f: "\\f",
  v: "\\v",
  a: "\\x07",
};

/** Translates the escape at `scan.pos` (a backslash) outside a character class. */
export function escape(scan: Scan): string {
  const at = scan.pos;
  const d = scan.pattern[at + 1];
  if (d === undefined) fail(scan, "bad escape (end of pattern)", at);
  scan.pos += 2;
  const simple = SIMPLE_ESCAPES[d];
  if (simple) return simple;
  if (d === "b" || d === "B") return `\\${d}`;
  // \A and \Z are absolute, whatever the multiline flag.
  if (d === "A") return "(?<![\\s\\S])";
  if (d === "Z") return "(?![\\s\\S])";
  if (d === "x" || d === "u" || d === "U") return hexEscape(scan, d, at, false);
  if (d === "0") return literal(octal(scan, at));
  if (/[1-9]/.test(d)) return backReference(scan, d, at);
  if (d === "N") fail(scan, "unsupported escape \\N", at);
  // Python rejects unknown letter escapes such as \e; any other character stands for itself.
  if (/[A-Za-z]/.test(d)) fail(scan, `bad escape \\${d}`, at);
  return literal(d.codePointAt(0) ?? 0);
}

/** Translates the character class starting at `scan.pos` (a `[`). */
export function charClass(scan: Scan): string {
  const start = scan.pos++;
  let out = "[";
  if (scan.pattern[scan.pos] === "^") {
    out += "^";
    scan.pos++;
  }
  for (let first = true;; first = false) {
    const c = scan.pattern[scan.pos];
    if (c === undefined) fail(scan, "unterminated character set", start);
    if (c === "]" && !first) {
      scan.pos++;
      return out + "]";
    }
    if (c === "\\") {
      out += classEscape(scan);
      continue;
    }
    scan.pos++;
    // A leading `]` is a literal in Python but would close (or empty) the class in JS.
    out += c === "]" || c === "[" ? `\\${c}` : c;
  }
}

function classEscape(scan: Scan): string {
  const at = scan.pos;
  const d = scan.pattern[at + 1];
  if (d === undefined) fail(scan, "bad escape (end of pattern)", at);
  scan.pos += 2;
  if (d === "b") return "\\x08";
  const simple = SIMPLE_ESCAPES[d];
  if (simple) return simple;
  if (d === "x" || d === "u" || d === "U") return hexEscape(scan, d, at, true);
  if (/[0-7]/.test(d)) return literal(octal(scan, at));
  if (/[89]/.test(d)) fail(scan, `bad escape \\${d}`, at);
  if (d === "N") fail(scan, "unsupported escape \\N", at);
  if (/[A-Za-z]/.test(d)) fail(scan, `bad escape \\${d}`, at);
  return literal(d.codePointAt(0) ?? 0);
}

function hexEscape(scan: Scan, d: string, at: number, inClass: boolean): string {
  const size = d === "x" ? 2 : d === "u" ? 4 : 8;
  const digits = scan.pattern.slice(scan.pos, scan.pos + size);
  if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(digits)) {
    fail(scan, `incomplete escape \\${d}${digits.match(/^[0-9a-fA-F]*/)?.[0] ?? ""}`, at);
  }
  const code = Number.parseInt(digits, 16);
  if (code > 0x10ffff) fail(scan, `bad escape \\${d}${digits}`, at);
  if (inClass && code > 0xffff) fail(scan, "unsupported astral escape in a class", at);
  scan.pos += size;
  return literal(code);
}

// The octal digit just read, then up to two more.
function octal(scan: Scan, at: number): number {
  let digits = scan.pattern.slice(at + 1, scan.pos);
  while (digits.length < 3 && /[0-7]/.test(scan.pattern[scan.pos] ?? "")) {
    digits += scan.pattern[scan.pos++];
  }
  return Number.parseInt(digits, 8);
}

function backReference(scan: Scan, d: string, at: number): string {
  const next = scan.pattern[scan.pos] ?? "";
  const third = scan.pattern[scan.pos + 1] ?? "";
  if (/[0-7]/.test(d) && /[0-7]/.test(next) && /[0-7]/.test(third)) {
    scan.pos += 2;
    const code = Number.parseInt(d + next + third, 8);
    if (code > 0o377) {
      fail(scan, `octal escape value \\${d}${next}${third} outside of range 0-0o377`, at);
    }
    return literal(code);
  }
  let number = d;
  if (/\d/.test(next)) {
    number += next;
    scan.pos++;
  }
  const group = Number(number);
  if (group > scan.groups) fail(scan, `invalid group reference ${group}`, at + 1);
  if (!scan.closed.has(group)) fail(scan, "cannot refer to an open group", at);
  // Grouped, so that a digit after the reference is not read as part of it.
  return `(?:\\${group})`;
}

/** A code point as an escape that means the same in and out of classes without the `u` flag. */
export function literal(code: number): string {
  const text = String.fromCodePoint(code);
  const units = [...Array(text.length).keys()].map((i) =>
    `\\u${text.charCodeAt(i).toString(16).padStart(4, "0")}`
  );
  return units.length === 1 ? units[0] ?? "" : `(?:${units.join("")})`;
}
