/**
 * JSON text exactly as Python's `json.dumps` writes it with its defaults (`", "` and `": "`
 * separators, `ensure_ascii=True`, floats in `repr` form), so that metadata written by this SDK is
 * byte-for-byte what the Python SDK writes for the same values.
 *
 * @module
 */

/** A value that {@link pythonJsonDumps} can write. */
export type PythonJsonValue =
  | null
  | boolean
  | string
  | PythonFloat
  | number
  | PythonJsonValue[]
  | { [key: string]: PythonJsonValue };

/**
 * A number that Python holds as a `float` (it is written `1.0`, not `1`). Plain JS numbers are
 * written as Python writes an `int` when integral.
 */
export class PythonFloat {
  /** The value. */
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** Writes `value` as Python's `json.dumps(value)` would. */
export function pythonJsonDumps(value: PythonJsonValue): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return pythonString(value);
  if (value instanceof PythonFloat) return pythonFloatRepr(value.value);
  if (typeof value === "number") {
    return Number.isInteger(value) ? pythonIntRepr(value) : pythonFloatRepr(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  const entries = Object.entries(value).map(([key, item]) =>
    `${pythonString(key)}: ${pythonJsonDumps(item)}`
  );
  return `{${entries.join(", ")}}`;
}

function pythonIntRepr(value: number): string {
  return BigInt(value).toString();
}

/** Python's `repr(float)`: the shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa = "0", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const expSign = exponent < 0 ? "-" : "+";
    return `${sign}${digits[0]}${fraction}e${expSign}${
      String(Math.abs(exponent)).padStart(2, "0")
    }`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction === "" ? "0" : fraction}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function pythonString(text: string): string {
  let out = '"';
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    const code = text.charCodeAt(index);
    const short = SHORT_ESCAPES[char];
    if (short !== undefined) out += short;
    // ensure_ascii escapes everything outside printable ASCII, UTF-16 unit by unit.
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

/**
 * Python's `f"{value:.2f}"`: two decimals, ties (exactly representable ones) rounded to even,
 * which is where it differs from `Number.prototype.toFixed`.
 */
export function pythonFixed2(value: number): string {
  // A tie at the third decimal is exactly representable only as an odd multiple of 1/8.
  const isTie = Number.isInteger(value * 8) && !Number.isInteger(value * 4);
  if (!isTie) return value.toFixed(2);
  const floor = Math.floor(value * 100);
  const even = floor % 2 === 0 ? floor : floor + 1;
  return (even / 100).toFixed(2);
}
