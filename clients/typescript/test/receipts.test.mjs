// The page-state helpers: receipt positions only move forward (reading implies delivery); reactions apply idempotently.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyReaction, ReceiptPositions } from "../dist/index.js";

test("positions move forward only, reading implies delivery, and a Conversation teaches every participant's", () => {
  const positions = new ReceiptPositions();
  assert.equal(positions.move("c", "bob", { delivered: 3 }), true);
  assert.equal(positions.move("c", "bob", { delivered: 2 }), false);
  assert.equal(positions.move("c", "bob", { read: 5 }), true);
  assert.deepEqual(positions.get("c").get("bob"), { read: 5, delivered: 5 });
  positions.learn({ id: "c", participants: [{ userId: "bob", lastReadSeq: 4, lastDeliveredSeq: 6 }, { userId: "carol", lastReadSeq: 1, lastDeliveredSeq: 2 }] });
  assert.deepEqual(Object.fromEntries(positions.get("c")), { bob: { read: 5, delivered: 6 }, carol: { read: 1, delivered: 2 } });
  positions.move("c", "carol", { delivered: 9 });
  positions.undoDelivered("c", "carol", 9, 2);
  assert.deepEqual(positions.get("c").get("carol"), { read: 1, delivered: 2 });
});

test("reactions: added once per user, removed, and an emoji with nobody left disappears", () => {
  const message = { id: "m", reactions: [{ emoji: "👍", count: 1, userIds: ["bob"] }] };
  const twice = applyReaction(applyReaction(message, { emoji: "👍", userId: "carol" }, true), { emoji: "👍", userId: "carol" }, true);
  assert.deepEqual(twice.reactions, [{ emoji: "👍", count: 2, userIds: ["bob", "carol"] }]);
  const heart = applyReaction(twice, { emoji: "❤️", userId: "bob" }, true);
  assert.deepEqual(heart.reactions.map((r) => r.emoji), ["👍", "❤️"]);
  const gone = applyReaction(heart, { emoji: "❤️", userId: "bob" }, false);
  assert.deepEqual(gone.reactions, twice.reactions);
  assert.deepEqual(message.reactions, [{ emoji: "👍", count: 1, userIds: ["bob"] }], "the original is not changed");
});
