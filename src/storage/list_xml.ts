/**
 * Reading a ListObjectsV2 answer (`ListBucketResult`): the few elements a listing needs, taken
 * from the XML text with their entities decoded. S3 escapes `&`, `<`, `>`, quotes and control
 * characters in keys as entities, so an element's text never holds a `<`; anything that does not
 * read as a listing is refused rather than guessed.
 *
 * @module
 */

/** One object of a page. */
export interface ListedEntry {
  /** The key. */
  key: string;
  /** Its size in bytes. */
  size: number;
  /** Its ETag as sent (quoted). */
  etag: string | undefined;
  /** When it was last written. */
  lastModified: Date | undefined;
}

/** One page of a listing. */
export interface ListPage {
  /** The objects, in key order. */
  contents: ListedEntry[];
  /** The common prefixes (with a delimiter). */
  prefixes: string[];
  /** The token of the next page; `undefined` on the last one. */
  nextToken: string | undefined;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The text of an element, entities decoded. */
export function xmlText(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

function element(block: string, name: string): string | undefined {
  const open = block.indexOf(`<${name}>`);
  if (open < 0) return block.includes(`<${name}/>`) ? "" : undefined;
  const start = open + name.length + 2;
  const end = block.indexOf(`</${name}>`, start);
  return end < 0 ? undefined : block.slice(start, end);
}

function blocks(xml: string, name: string): string[] {
  const found: string[] = [];
  const open = `<${name}>`;
  const close = `</${name}>`;
  for (let at = xml.indexOf(open); at >= 0; at = xml.indexOf(open, at)) {
    const end = xml.indexOf(close, at);
    if (end < 0) break;
    found.push(xml.slice(at + open.length, end));
    at = end + close.length;
  }
  return found;
}

/**
 * The page an answer describes; throws an `Error` naming what is missing when the text is not
 * a `ListBucketResult`.
 *
 * @example
 * ```ts
 * import { parseListPage } from "./list_xml.ts";
 * const page = parseListPage(
 *   "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a&amp;b</Key>" +
 *     "<Size>3</Size></Contents></ListBucketResult>",
 * );
 * console.assert(page.contents[0]?.key === "a&b");
 * ```
 */
export function parseListPage(xml: string): ListPage {
  if (!xml.includes("<ListBucketResult")) {
    throw new Error("the answer is not a ListBucketResult");
  }
  const contents: ListedEntry[] = blocks(xml, "Contents").map((block) => {
    const key = element(block, "Key");
    const size = Number(element(block, "Size") ?? "");
    if (key === undefined || !Number.isSafeInteger(size) || size < 0) {
      throw new Error("a listed object has no key or no size");
    }
    const etag = element(block, "ETag");
    const modified = element(block, "LastModified");
    const date = modified === undefined ? undefined : new Date(modified);
    return {
      key: xmlText(key),
      size,
      etag: etag === undefined ? undefined : xmlText(etag),
      lastModified: date === undefined || Number.isNaN(date.getTime()) ? undefined : date,
    };
  });
  const prefixes = blocks(xml, "CommonPrefixes").flatMap((block) => {
    const prefix = element(block, "Prefix");
    return prefix === undefined ? [] : [xmlText(prefix)];
  });
  const truncated = element(xml, "IsTruncated") === "true";
  const token = element(xml, "NextContinuationToken");
  return {
    contents,
    prefixes,
    nextToken: truncated && token !== undefined && token !== "" ? xmlText(token) : undefined,
  };
}
