// `npm pack` makes the package, and a fresh project that installs the tarball imports it, connects and sends.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { requireSample, SampleHost } from "./host.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let host;
const project = mkdtempSync(path.join(tmpdir(), "chatkit-ts-consumer-"));
before(async (t) => {
  if (requireSample(t)) {
    host = await SampleHost.start();
  }
});
after(async () => {
  await host?.dispose();
  rmSync(project, { recursive: true, force: true });
});

test("the packed tarball installs into a new project, which imports it, connects and sends", async (t) => {
  if (!host) return t.skip("no sample host");
  const npm = (args, cwd) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", project], root));
  assert.ok(packed.files.some((f) => f.path === "dist/index.d.ts"), "types are in the package");
  assert.ok(!packed.files.some((f) => f.path.startsWith("src/") || f.path.startsWith("test/")), "only dist/ is packed");

  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  npm(["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(project, packed.filename)], project);
  writeFileSync(path.join(project, "main.mjs"), `
    import { ChatClient } from "@chatkit/client";
    const [url, aliceToken, bob] = process.argv.slice(2);
    const client = new ChatClient({ url, accessTokenFactory: () => aliceToken });
    await client.start();
    const conversation = await client.createConversation({ type: "direct", participantIds: [bob] });
    const ack = await client.send({ conversationId: conversation.id, content: "from the tarball" });
    await client.stop();
    console.log(JSON.stringify({ seq: ack.seq, content: ack.message.content, state: client.state }));
  `);
  const output = execFileSync(process.execPath, ["main.mjs", host.url, await host.token("alice-pack"), "bob-pack"], { cwd: project, encoding: "utf8" });
  assert.deepEqual(JSON.parse(output.trim().split("\n").at(-1)), { seq: 1, content: "from the tarball", state: "disconnected" });
});
