/**
 * The platform's building blocks, one after the other, against the local stack:
 * the user token is exchanged for the ClearML and S3 credentials, the ClearML client logs in,
 * finds or creates the user's project `project_{username}`, registers a model entry with
 * metadata, reads it back and removes it.
 *
 * Run with the stack up:
 *   deno run -A --env-file=.stack/env examples/platform_clients.ts
 *   node --env-file=.stack/env --import tsx examples/platform_clients.ts
 */
// deno-lint-ignore-file no-console
import process from "node:process";
import {
  ClearMLClient,
  fetchUserCredentials,
  metadataValues,
  ModelsAPI,
  ProjectsAPI,
} from "../mod.ts";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: load .stack/env (see the README).`);
  return value;
}

const credentials = await fetchUserCredentials({
  userManagementApi: env("USER_MANAGEMENT_API"),
  userToken: env("USER_TOKEN"),
});
console.log(`user ${credentials.username}, bucket ${credentials.s3Bucket}`);

const client = new ClearMLClient({
  apiHost: env("CLEARML_API_HOST"),
  accessKey: credentials.clearmlAccessKey,
  secretKey: credentials.clearmlSecretKey,
});
await client.login();
const projects = new ProjectsAPI(client);
const models = new ModelsAPI(client);

const projectId = await projects.getOrCreate({ name: `project_${credentials.username}` });
console.log(`project project_${credentials.username}: ${projectId}`);

const name = `example_${Date.now().toString(36)}`;
const modelId = await models.create({
  name,
  projectId,
  uri: `s3://${credentials.s3Bucket}/_models/placeholder/`,
  metadata: { latest_version: "v1", modelSize: "0.00" },
});
const model = await models.getById(modelId);
console.log(`model ${name} (${modelId}) metadata:`, model ? metadataValues(model) : "missing");
console.log(`models in the project: ${(await models.getAll({ projectId })).length}`);
console.log(`deleted: ${await models.delete(modelId)}`);
