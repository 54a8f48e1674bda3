// Copies the compiled client (dist/*.js) into the sample page (samples/ChatKit.Sample/wwwroot/lib/chatkit), with its
// one bare import, "@microsoft/signalr", pointed at ./signalr.js: the page loads SignalR's browser bundle as a classic
// script and that module hands its exports on. The copy is checked in, so the sample runs without Node.js;
// test/vendor.test.mjs fails when it differs from a fresh build. Run: npm run build && npm run vendor.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const target = path.resolve(root, "../../samples/ChatKit.Sample/wwwroot/lib/chatkit");

/** The files the page gets, by name, from the build in dist/. */
export function vendored() {
  const files = new Map();
  for (const name of readdirSync(path.join(root, "dist")).filter((n) => n.endsWith(".js")).sort()) {
    const source = readFileSync(path.join(root, "dist", name), "utf8");
    files.set(name, "// Generated from clients/typescript by `npm run vendor`: do not edit.\n"
      + source.replaceAll('from "@microsoft/signalr"', 'from "./signalr.js"'));
  }
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  mkdirSync(target, { recursive: true });
  for (const [name, content] of vendored()) {
    writeFileSync(path.join(target, name), content);
  }
  console.log(`vendored ${[...vendored().keys()].join(", ")} into ${target}`);
}
