import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  pythonFixed2,
  PythonFloat,
  pythonFloatRepr,
  pythonJsonDumps,
} from "../src/registry/python_json.ts";

// Expected strings below are what CPython 3.11 prints for the same values.
describe("Python-compatible JSON", () => {
  it("writes floats as repr() does", () => {
    assert.equal(pythonFloatRepr(1), "1.0");
    assert.equal(pythonFloatRepr(0), "0.0");
    assert.equal(pythonFloatRepr(12.5), "12.5");
    assert.equal(pythonFloatRepr(0.0001), "0.0001");
    assert.equal(pythonFloatRepr(9.5367431640625e-06), "9.5367431640625e-06");
    assert.equal(pythonFloatRepr(1e16), "1e+16");
    assert.equal(pythonFloatRepr(123456789012345.6), "123456789012345.6");
    assert.equal(pythonFloatRepr(-0.5), "-0.5");
    assert.equal(pythonFloatRepr(0.1 + 0.2), "0.30000000000000004");
  });

  it("writes objects with Python's separators and ensure_ascii escapes", () => {
    const text = pythonJsonDumps({
      v1: { path: "_models/x/v1/", size: new PythonFloat(2), version_number: 1 },
      "vé": { folderName: 'a"b\n\u007f😀' },
    });
    assert.equal(
      text,
      '{"v1": {"path": "_models/x/v1/", "size": 2.0, "version_number": 1}, ' +
        '"v\\u00e9": {"folderName": "a\\"b\\n\\u007f\\ud83d\\ude00"}}',
    );
    assert.deepEqual(JSON.parse(text).v1, { path: "_models/x/v1/", size: 2, version_number: 1 });
  });

  it("formats two decimals as f'{x:.2f}', ties to even", () => {
    assert.equal(pythonFixed2(0.125), "0.12");
    assert.equal(pythonFixed2(0.375), "0.38");
    assert.equal(pythonFixed2(2.675), "2.67"); // 2.675 is below the tie in binary
    assert.equal(pythonFixed2(0.005), "0.01");
    assert.equal(pythonFixed2(123.456), "123.46");
    assert.equal(pythonFixed2(0), "0.00");
  });
});
