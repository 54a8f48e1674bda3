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
