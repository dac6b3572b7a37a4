/**
 * Python `re` patterns as JavaScript RegExps. The server compiles `name`-style filters with
 * Python's `re` (a failure is `400/21`) and MongoDB then matches them; this module rejects what
 * Python rejects, with Python's messages, and translates what differs:
 * - `(?P<name>...)` and `(?P=name)`, `\A`, `\Z`, `{,n}`, `$` before a final newline;
 * - a `]` first in a class, unknown letter escapes (`\e` is an error in Python);
 * - leading global flags `(?imsx)`, including verbose mode.
 * Identity escapes of punctuation and spaces (`\-`, `\_`, `\ `) become `\uXXXX`, so that the
 * result compiles without the `u` flag's stricter escape rules (the `u` flag is never used).
 * Constructs JavaScript lacks (scoped flags, conditionals, atomic groups, possessive
 * quantifiers, `\N{...}`) throw {@link PythonRegexError} too, marked as unsupported.
 *
 * @module
 */

import { charClass, escape, fail, PythonRegexError, type Scan } from "./pyregex_escapes.ts";

export { PythonRegexError };

/** Compiles a Python pattern to an equivalent RegExp (`extraFlags` such as `"i"` are added). */
export function compilePythonRegex(pattern: string, extraFlags = ""): RegExp {
  const translator = new Translator(pattern);
  const source = translator.translate();
  const flags = new Set([...translator.flags, ...extraFlags]);
  try {
    return new RegExp(source, [...flags].join(""));
  } catch (error) {
    throw new PythonRegexError((error as Error).message);
  }
}

class Translator {
  readonly flags = new Set<string>();
  readonly #scan: Scan;
  #open: { group: number; at: number }[] = [];
  #names = new Set<string>();
  #verbose = false;

  constructor(pattern: string) {
    this.#scan = { pattern, pos: 0, groups: 0, closed: new Set() };
  }

  translate(): string {
    const scan = this.#scan;
    this.#leadingFlags();
    let out = "";
    while (scan.pos < scan.pattern.length) out += this.#next();
    const unclosed = this.#open[this.#open.length - 1];
    if (unclosed) fail(scan, "missing ), unterminated subpattern", unclosed.at);
    return out;
  }

  // Python 3.11 accepts global flags only at the very start of the pattern.
  #leadingFlags(): void {
    const scan = this.#scan;
    for (let match; (match = /^\(\?([aiLmsux]+)\)/.exec(scan.pattern.slice(scan.pos)));) {
      for (const flag of match[1] ?? "") {
        if (flag === "L") fail(scan, "bad inline flags: cannot use 'L' flag with a str pattern");
        if (flag === "x") this.#verbose = true;
        if ("ims".includes(flag)) this.flags.add(flag);
      }
      scan.pos += match[0].length;
    }
  }

  #next(): string {
    const scan = this.#scan;
    const c = scan.pattern[scan.pos] ?? "";
    if (this.#verbose && /\s/.test(c)) {
      scan.pos++;
      return "";
    }
    if (this.#verbose && c === "#") {
      while (scan.pos < scan.pattern.length && scan.pattern[scan.pos] !== "\n") scan.pos++;
      return "";
    }
    switch (c) {
      case "\\":
        return escape(scan);
      case "[":
        return charClass(scan);
      case "(":
        return this.#group();
      case ")":
        if (this.#open.length === 0) fail(scan, "unbalanced parenthesis");
        scan.closed.add(this.#open.pop()?.group ?? 0);
        scan.pos++;
        return ")";
      case "{":
        return this.#brace();
      case "}":
        scan.pos++;
        return "\\}";
      case "$":
        scan.pos++;
        // Python's (and PCRE's) `$` also matches before a newline that ends the subject.
        return this.flags.has("m") ? "$" : "(?=\\n?$)";
      case "*":
      case "+":
      case "?":
        scan.pos++;
        return c + this.#lazyOrPossessive();
      default:
        scan.pos++;
        return c;
    }
  }

  #lazyOrPossessive(): string {
    const scan = this.#scan;
    let out = "";
    if (scan.pattern[scan.pos] === "?") {
      out = "?";
      scan.pos++;
    }
    if (scan.pattern[scan.pos] === "+") fail(scan, "unsupported possessive quantifier");
    return out;
  }

  // `{m,n}` is a quantifier (`{,n}` meaning `{0,n}`); any other `{` is a literal, as in Python.
  #brace(): string {
    const scan = this.#scan;
    const match = /^\{(\d*)(,(\d*))?\}/.exec(scan.pattern.slice(scan.pos));
    if (!match || (match[1] === "" && match[2] === undefined)) {
      scan.pos++;
      return "\\{";
    }
    scan.pos += match[0].length;
    const low = match[1] === "" ? "0" : match[1];
    const quantifier = match[2] === undefined ? `{${low}}` : `{${low},${match[3] ?? ""}}`;
    return quantifier + this.#lazyOrPossessive();
  }

  #group(): string {
    const scan = this.#scan;
    const start = scan.pos;
    if (scan.pattern[start + 1] !== "?") {
      scan.pos++;
      this.#open.push({ group: ++scan.groups, at: start });
      return "(";
    }
    const kind = scan.pattern[start + 2] ?? "";
    const rest = scan.pattern.slice(start);
    if (kind === ":" || kind === "=" || kind === "!") return this.#opened(3, `(?${kind}`);
    if (kind === "<") {
      const next = scan.pattern[start + 3] ?? "";
      if (next === "=" || next === "!") return this.#opened(4, `(?<${next}`);
      fail(scan, `unknown extension ?<${next}`, start + 1);
    }
    if (kind === "P") return this.#named(rest, start);
    if (kind === "#") {
      const end = scan.pattern.indexOf(")", start);
      if (end < 0) fail(scan, "missing ), unterminated comment", start);
      scan.pos = end + 1;
      return "";
    }
    if (/^[aiLmsux-]$/.test(kind)) {
      if (/^\(\?[aiLmsux]+\)/.test(rest)) {
        fail(scan, "global flags not at the start of the expression", start);
      }
      fail(scan, "unsupported scoped inline flags", start);
    }
    if (kind === "(" || kind === ">") fail(scan, `unsupported extension ?${kind}`, start + 1);
    fail(scan, `unknown extension ?${kind}`, start + 1);
  }

  // `(?P<name>...)` opens a named group, `(?P=name)` refers back to one.
  #named(rest: string, start: number): string {
    const scan = this.#scan;
    const named = /^\(\?P<([^>]*)>/.exec(rest);
    if (named) {
      const name = named[1] ?? "";
      if (!/^[A-Za-z_]\w*$/.test(name)) {
        fail(scan, `bad character in group name '${name}'`, start + 4);
      }
      if (this.#names.has(name)) fail(scan, `redefinition of group name '${name}'`, start + 4);
      this.#names.add(name);
      scan.pos += named[0].length;
      this.#open.push({ group: ++scan.groups, at: start });
      return `(?<${name}>`;
    }
    const reference = /^\(\?P=([^)]*)\)/.exec(rest);
    if (reference) {
      const name = reference[1] ?? "";
      if (!this.#names.has(name)) fail(scan, `unknown group name '${name}'`, start + 4);
      scan.pos += reference[0].length;
      return `\\k<${name}>`;
    }
    fail(scan, `unknown extension ?P${scan.pattern[start + 3] ?? ""}`, start + 1);
  }

  #opened(length: number, text: string): string {
    this.#open.push({ group: 0, at: this.#scan.pos });
    this.#scan.pos += length;
    return text;
  }
}
