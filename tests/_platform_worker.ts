/**
 * A child process of the platform concurrency test: connects in token mode to the local stack and
 * adds `count` versions (`{prefix}1` … `{prefix}{count}`) of one folder to one model. Arguments:
 * model name, version prefix, count, source folder. Prints `{"started":ms,"finished":ms}`.
 */

import process from "node:process";
import { MLOpsManager } from "../src/registry/manager.ts";
import { stackValue } from "./_stack.ts";

const [modelName, prefix, count, sourcePath] = process.argv.slice(-4);
const manager = await MLOpsManager.connect({
  userToken: stackValue("USER_TOKEN"),
  userManagementApi: stackValue("USER_MANAGEMENT_API"),
  clearmlApiHost: stackValue("CLEARML_API_HOST"),
  cephEndpointUrl: stackValue("CEPH_ENDPOINT_URL"),
  env: {},
});
const started = Date.now();
try {
  for (let index = 1; index <= Number(count); index++) {
    await manager.addModel({
      sourceType: "local",
      modelName: modelName!,
      version: `${prefix}${index}`,
      sourcePath: sourcePath!,
    });
  }
} finally {
  await manager.close();
}
// The test checks from these times that the two processes' writes overlapped.
process.stdout.write(`${JSON.stringify({ started, finished: Date.now() })}\n`);
