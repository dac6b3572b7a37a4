/**
 * SigV4 signing of the data path (src/storage/sigv4.ts): AWS's published GET Object example, an
 * UploadPart signed with an unsigned payload (cross-checked against @smithy/signature-v4 when it
 * was written), and the encoding of keys and queries so that what is sent is what is signed.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeKeyPath, encodeQuery, Signer } from "../src/storage/sigv4.ts";

const EXAMPLE = {
  accessKey: "AKIAIOSFODNN7EXAMPLE",
  secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
};
const MAY_24_2013 = new Date("2013-05-24T00:00:00Z");

describe("SigV4 signer", () => {
  it("gives AWS's documented signature for the GET Object example", () => {
    const headers = new Signer(EXAMPLE).sign({
      method: "GET",
      host: "examplebucket.s3.amazonaws.com",
      path: "/test.txt",
      headers: {
        range: "bytes=0-9",
        "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      },
    }, MAY_24_2013);
    assert.equal(
      headers.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
    assert.equal(headers["x-amz-date"], "20130524T000000Z");
    assert.equal(headers.host, undefined, "fetch and node:http set Host themselves");
  });

  it("signs an UploadPart with an unsigned payload and a sorted query", () => {
    const signer = new Signer(EXAMPLE);
    const path = `/b/k?${encodeQuery({ uploadId: "2~abc", partNumber: "3" })}`;
    assert.equal(path, "/b/k?partNumber=3&uploadId=2~abc");
    const headers = signer.sign(
      { method: "PUT", host: "127.0.0.1:7480", path, headers: {} },
      MAY_24_2013,
    );
    assert.equal(headers["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
    assert.match(
      headers.authorization,
      /SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=3f994c893aae3a26d4b8444addf8b31e79d3d5b014f33fa57c3d8747d578fa3b$/,
    );
    // The same request a day later: a new scope and another signature (the day key is cached).
    const later = signer.sign(
      { method: "PUT", host: "127.0.0.1:7480", path, headers: {} },
      new Date("2013-05-25T00:00:00Z"),
    );
    assert.match(later.authorization, /\/20130525\/us-east-1\/s3\/aws4_request/);
    assert.notEqual(later.authorization, headers.authorization);
  });

  it("encodes keys segment by segment, leaving only unreserved characters and slashes", () => {
    assert.equal(
      encodeKeyPath("bucket", "a b/c+d~e(f)!*'/ü/%2e/./../x"),
      "/bucket/a%20b/c%2Bd~e%28f%29%21%2A%27/%C3%BC/%252e/./../x",
    );
    assert.equal(encodeKeyPath("bucket", "dir//file"), "/bucket/dir//file");
  });
});
