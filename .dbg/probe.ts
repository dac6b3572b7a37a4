import { MLOpsManager } from "../mod.ts";
import { mkdtemp, writeFile, mkdir, symlink, appendFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
const dir = await mkdtemp(join(tmpdir(), "probe-"));
const m = await MLOpsManager.connect({ localDir: join(dir, "reg") });
const show = (label: string, e: unknown) => console.log(label, "=>", (e as Error)?.constructor?.name, (e as Error)?.message, "| cause:", ((e as any)?.cause as Error)?.constructor?.name, ((e as any)?.cause as Error)?.message);
// localDest a file
await mkdir(join(dir, "s")); await writeFile(join(dir, "s/a.txt"), "a");
await m.addModel({ sourceType: "local", modelName: "probe", version: "v1", sourcePath: join(dir, "s") });
await writeFile(join(dir, "afile"), "x");
await m.getModel({ modelName: "probe", version: "v1", localDest: join(dir, "afile") }).then(r => console.log("file dest ok", r), e => show("file dest", e));
// symlinks
await mkdir(join(dir, "sym")); await writeFile(join(dir, "sym/real.txt"), "real");
await symlink(join(dir, "sym/real.txt"), join(dir, "sym/link.txt"));
await mkdir(join(dir, "other")); await writeFile(join(dir, "other/o.txt"), "o");
await symlink(join(dir, "other"), join(dir, "sym/dirlink"));
await symlink(join(dir, "sym"), join(dir, "sym/selfdir"));
await m.addModel({ sourceType: "local", modelName: "probe_sym", version: "v1", sourcePath: join(dir, "sym") }).then(async () => { for await (const e of m.backend.objects.list("_models/")) if (e.key.includes("/v1/") ) console.log(" key", e.key); }, e => show("sym", e));
await symlink("loop", join(dir, "sym/loop"));
await m.addModel({ sourceType: "local", modelName: "probe_loop", version: "v1", sourcePath: join(dir, "sym") }).then(() => console.log("loop ok"), e => show("loop", e));
// long name
await mkdir(join(dir, "long")); const long = "n".repeat(251) + ".bin"; await writeFile(join(dir, "long", long), "L");
await m.addModel({ sourceType: "local", modelName: "probe_long", version: "v1", sourcePath: join(dir, "long") }).then(() => console.log("long add ok"), e => show("long add", e));
// size change
await mkdir(join(dir, "grow")); await writeFile(join(dir, "grow/g.bin"), new Uint8Array(30*1024*1024));
let done = false;
await m.addModel({ sourceType: "local", modelName: "probe_grow", version: "v1", sourcePath: join(dir, "grow"), onProgress: (ev) => { if (!done && ev.bytesDone > 1024*1024) { done = true; void appendFile(join(dir, "grow/g.bin"), "more"); } } }).then(() => console.log("grow published (NOT detected)"), e => show("grow", e));
console.log(await m.listModels());
