// The sample page's copy of the client (checked in, so `dotnet run` needs no Node.js) is the current build's.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { target, vendored } from "../scripts/vendor.mjs";

test("samples/ChatKit.Sample/wwwroot/lib/chatkit equals a fresh build (else: npm run build && npm run vendor)", () => {
  const fresh = vendored();
  const checkedIn = readdirSync(target).filter((n) => n !== "signalr.js").sort();
  assert.deepEqual(checkedIn, [...fresh.keys()]);
  for (const [name, content] of fresh) {
    assert.equal(readFileSync(path.join(target, name), "utf8"), content, `${name} is stale: npm run build && npm run vendor`);
  }
});

test("the page's SignalR bundle (samples/ChatKit.Sample/package.json) is the version the client is built on", () => {
  const read = (file) => JSON.parse(readFileSync(path.resolve(target, file), "utf8")).dependencies["@microsoft/signalr"];
  assert.equal(read("../../../package.json"), read("../../../../../clients/typescript/package.json"));
});
