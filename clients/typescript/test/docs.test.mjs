// docs/clients.md's TypeScript example is under 30 lines and type-checks against the package as it is.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

test("docs/clients.md: the TypeScript example is short and compiles", (t) => {
  const page = readFileSync(path.resolve(root, "../../docs/clients.md"), "utf8");
  const section = page.slice(page.indexOf("## TypeScript"));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(example, "a ```ts block under ## TypeScript");
  assert.ok(example.trimEnd().split("\n").length < 30, "under 30 lines");

  const directory = mkdtempSync(path.join(tmpdir(), "chatkit-ts-docs-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  // What the example leaves to the app.
  const app = "declare function getToken(): string; declare function showBanner(s: string): void;"
    + " declare function showList(c: Conversation[]): void; declare function append(m: Message): void;"
    + " declare function replace(m: Message): void; declare function mark(tempId: string, status: string): void;\n"
    + 'import type { Conversation, Message } from "@chatkit/client";\n';
  writeFileSync(path.join(directory, "example.ts"), app + example);
  writeFileSync(path.join(directory, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: "ES2022", module: "ES2022", moduleResolution: "Bundler", lib: ["ES2022", "DOM"],
      skipLibCheck: true, paths: { "@chatkit/client": [path.join(root, "dist/index.d.ts")] },
    },
    files: ["example.ts"],
  }));
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", directory], { encoding: "utf8" });
});
