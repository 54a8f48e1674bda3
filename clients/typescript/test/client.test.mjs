// The client against the real sample host: typed calls, a cut connection and a server restart, with no message lost
// or doubled in what the app sees.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ChatClient, durableEventNames, LogLevel } from "../dist/index.js";
import { CuttableProxy, requireSample, SampleHost, waitUntil } from "./host.mjs";

const fast = (attempt) => (attempt === 0 ? 0 : Math.min(1000, 100 * 2 ** attempt));
const user = (name) => `${name}-${Math.random().toString(36).slice(2, 8)}`;

/** A client and what its app saw: messages per conversation, checked in order as they arrive. */
async function connect(host, userId, { url = host.url, ...options } = {}) {
  const token = await host.token(userId);
  const client = new ChatClient({ url, accessTokenFactory: () => token, retryDelay: fast, logLevel: LogLevel.None, ...options });
  const seen = { messages: new Map(), violations: [], events: [], conversations: new Map(), states: [], log: [], resyncs: 0 };
  for (const name of durableEventNames) {
    client.on(name, (payload, meta) => seen.log.push({ name, payload, source: meta.source }));
  }
  client.on("resync", () => seen.resyncs++);
  client.on("newMessage", ({ message, conversationId }) => {
    const list = seen.messages.get(conversationId) ?? [];
    const previous = list.at(-1)?.seq;
    if (previous !== undefined && message.seq !== previous + 1) {
      seen.violations.push(`${conversationId}: seq ${message.seq} after ${previous}`);
    }
    list.push(message);
    seen.messages.set(conversationId, list);
  });
  client.on("conversationCreated", (c) => seen.conversations.set(c.id, c));
  client.on("resync", (list) => list.forEach((c) => seen.conversations.set(c.id, c)));
  client.on("reactionAdded", (e) => seen.events.push(["reactionAdded", e]));
  client.on("messageUpdated", (e) => seen.events.push(["messageUpdated", e]));
  client.on("state", (s) => seen.states.push(s));
  await client.start();
  return { client, seen, userId };
}

async function history(client, conversationId) {
  const items = [];
  for (let page = { hasMore: true }; page.hasMore;) {
    page = await client.history(conversationId, { after: items.at(-1)?.seq ?? 0, limit: 100 });
    items.push(...page.items);
  }
  return items;
}

/** The app's stream equals the server's history: every message once, in seq order, from seq 1. */
async function assertSameAsServer(party, conversationId, expectedCount) {
  await waitUntil(() => (party.seen.messages.get(conversationId)?.length ?? 0) >= expectedCount, `${party.userId} to see ${expectedCount} messages`);
  const stored = await history(party.client, conversationId);
  assert.equal(stored.length, expectedCount);
  assert.deepEqual(party.seen.violations, []);
  assert.deepEqual(party.seen.messages.get(conversationId).map((m) => [m.seq, m.id]), stored.map((m) => [m.seq, m.id]));
}

describe("ChatClient against the sample host", () => {
  let host;
  const open = [];
  before(async (t) => {
    if (requireSample(t)) {
      host = await SampleHost.start();
    }
  });
  after(async () => {
    await Promise.all(open.map((c) => c.stop().catch(() => {})));
    await host?.dispose();
  });

  test("typed calls and events: create, send, ack, edit, react, history", async (t) => {
    if (!host) return t.skip("no sample host");
    const alice = await connect(host, user("alice"));
    const bob = await connect(host, user("bob"));
    open.push(alice.client, bob.client);
    const conversation = await alice.client.createConversation({ type: "direct", participantIds: [bob.userId] });
    await waitUntil(() => bob.seen.conversations.has(conversation.id), "conversationCreated at bob");

    const ack = await alice.client.send({ conversationId: conversation.id, content: "hello" });
    assert.equal(ack.seq, 1);
    assert.equal(ack.message?.content, "hello");
    assert.equal(alice.client.outbox.length, 0);
    const edited = await alice.client.editMessage(ack.messageId, "hello, edited");
    assert.ok(edited.editedAt);
    await bob.client.addReaction(ack.messageId, "👍");
    await waitUntil(() => alice.seen.events.some(([n]) => n === "reactionAdded"), "reactionAdded at alice");
    await waitUntil(() => bob.seen.events.some(([n]) => n === "messageUpdated"), "messageUpdated at bob");
    await assertSameAsServer(bob, conversation.id, 1);

    const until = new Date(Date.now() + 3_600_000).toISOString();
    const muted = await bob.client.muteConversation(conversation.id, until);
    assert.equal(Math.floor(Date.parse(muted.mutedUntil) / 1000), Math.floor(Date.parse(until) / 1000));
    assert.equal((await bob.client.muteConversation(conversation.id)).mutedUntil?.slice(0, 4), "9999");
    assert.equal((await alice.client.getConversation(conversation.id)).mutedUntil, null); // the mute is Bob's own
    assert.equal((await bob.client.unmuteConversation(conversation.id)).mutedUntil, null);

    await assert.rejects(alice.client.getConversation("c_missing"), (e) => e.code === "not_found" && e.status === 404);
    await assert.rejects(alice.client.send({ conversationId: conversation.id, content: "   " }), (e) => e.code === "validation_failed");
    assert.equal(alice.client.outbox[0].status, "refused");
    alice.client.discard(alice.client.outbox[0].tempId);
  });

  test("cut connections at many points: every message reaches both apps once, in order, and every send is stored once", async (t) => {
    if (!host) return t.skip("no sample host");
    const aliceProxy = await CuttableProxy.start(host.port);
    const bobProxy = await CuttableProxy.start(host.port);
    t.after(() => Promise.all([aliceProxy.dispose(), bobProxy.dispose()]));
    const alice = await connect(host, user("alice"), { url: aliceProxy.url });
    const bob = await connect(host, user("bob"), { url: bobProxy.url });
    open.push(alice.client, bob.client);
    const conversation = await alice.client.createConversation({ type: "direct", participantIds: [bob.userId] });
    await waitUntil(() => bob.seen.conversations.has(conversation.id), "conversationCreated at bob");

    const sends = [];
    for (let i = 0; i < 40; i++) {
      sends.push(alice.client.send({ conversationId: conversation.id, content: `a${i}` }));
      if (i % 4 === 0) {
        sends.push(bob.client.send({ conversationId: conversation.id, content: `b${i}` }));
      }
      if (i % 7 === 3) aliceProxy.cut(); // sends in flight: their acks are lost, the outbox resends them
      if (i % 9 === 5) bobProxy.cut(); // bob misses live messages: the catch-up brings them
      if (i % 3 === 2) await sends.at(-1);
    }
    const acks = await Promise.all(sends);
    assert.equal(new Set(acks.map((a) => a.messageId)).size, sends.length, "each send stored exactly once");
    assert.ok(alice.seen.states.includes("reconnecting") && bob.seen.states.includes("reconnecting"), "both connections were cut");
    await assertSameAsServer(alice, conversation.id, sends.length);
    await assertSameAsServer(bob, conversation.id, sends.length);
    const contents = (await history(bob.client, conversation.id)).map((m) => m.content).sort();
    assert.deepEqual(contents, [...new Set(contents)], "no content stored twice");
  });

  test("server restart: messages sent while it is down go out once it is back, and the other side catches up", async (t) => {
    if (!host) return t.skip("no sample host");
    // One built-in attempt only: the client must start the connection anew when SignalR gives up.
    const alice = await connect(host, user("alice"), { builtInReconnectAttempts: 1 });
    const bob = await connect(host, user("bob"));
    open.push(alice.client, bob.client);
    const conversation = await alice.client.createConversation({ type: "group", participantIds: [bob.userId], name: "restart" });
    await waitUntil(() => bob.seen.conversations.has(conversation.id), "conversationCreated at bob");
    await alice.client.send({ conversationId: conversation.id, content: "before" });

    const offline = [];
    await host.restart(async () => {
      await waitUntil(() => alice.client.state === "reconnecting" && bob.client.state === "reconnecting", "both reconnecting");
      for (let i = 0; i < 5; i++) {
        offline.push(alice.client.send({ conversationId: conversation.id, content: `offline ${i}` }));
      }
      await waitUntil(() => alice.client.outbox.length === 5 && alice.client.outbox.every((m) => m.status === "failed"), "the outbox holding 5 failed sends");
    });
    const acks = await Promise.all(offline);
    assert.deepEqual(acks.map((a) => a.seq), [2, 3, 4, 5, 6], "stored once each, in the order sent");
    assert.ok(alice.seen.states.includes("recovering"));
    await assertSameAsServer(alice, conversation.id, 6);
    await assertSameAsServer(bob, conversation.id, 6);
  });

  test("sync: edits, reactions, deletions, reads and renames made while offline arrive once each, after the message", async (t) => {
    if (!host) return t.skip("no sample host");
    const proxy = await CuttableProxy.start(host.port);
    t.after(() => proxy.dispose());
    const alice = await connect(host, user("alice"));
    const bob = await connect(host, user("bob"), { url: proxy.url });
    open.push(alice.client, bob.client);
    if (bob.client.cursor === null) return t.skip("this server has no sync (GET /chats/sync) yet");
    const conversation = await alice.client.createConversation({ type: "group", participantIds: [bob.userId], name: "sync" });
    const first = await alice.client.send({ conversationId: conversation.id, content: "one" });
    await waitUntil(() => bob.seen.messages.get(conversation.id)?.length === 1, "bob to see the first message");
    await alice.client.addReaction(first.messageId, "👀"); // seen live; the next sync returns it again, by the same eventId
    await waitUntil(() => bob.seen.log.some((e) => e.name === "reactionAdded"), "the live reaction at bob");

    proxy.hold();
    await waitUntil(() => bob.client.state === "reconnecting", "bob offline");
    const second = await alice.client.send({ conversationId: conversation.id, content: "two" });
    await alice.client.editMessage(first.messageId, "one, edited");
    await alice.client.addReaction(first.messageId, "🎉");
    await alice.client.deleteMessage(second.messageId);
    await alice.client.updateConversation(conversation.id, { name: "sync, renamed" });
    await alice.client.markConversationAsRead(conversation.id);
    const before = bob.seen.log.length;
    proxy.release();
    await waitUntil(() => bob.client.state === "connected", "bob back");
    await waitUntil(() => bob.seen.log.some((e) => e.name === "conversationRead"), "the read receipt at bob");

    const missed = bob.seen.log.slice(before).map((e) => `${e.name}:${e.source}`);
    assert.deepEqual(missed, [
      "newMessage:sync", "messageUpdated:sync", "reactionAdded:sync", "messageDeleted:sync",
      "conversationUpdated:sync", "newMessage:sync", // the rename, then its system message
      "conversationRead:sync",
    ]); // conversationCreated and the first message, seen live and replayed by sync, are not delivered again
    assert.deepEqual(bob.seen.log.filter((e) => e.name === "reactionAdded").map((e) => [e.payload.emoji, e.source]), [["👀", "live"], ["🎉", "sync"]]);
    assert.ok(bob.seen.log.filter((e) => !e.name.startsWith("conversation") || e.name === "conversationRead").every((e) => typeof e.payload.eventId === "string"), "every wrapper event has its eventId");
    assert.deepEqual(bob.seen.violations, []);
    await assertSameAsServer(bob, conversation.id, 3);
  });

  test("sync limited: more missed events than the limit, and the client re-reads the list and pages history instead", async (t) => {
    if (!host) return t.skip("no sample host");
    const proxy = await CuttableProxy.start(host.port);
    t.after(() => proxy.dispose());
    const alice = await connect(host, user("alice"));
    const bob = await connect(host, user("bob"), { url: proxy.url, syncLimit: 3 });
    open.push(alice.client, bob.client);
    if (bob.client.cursor === null) return t.skip("this server has no sync (GET /chats/sync) yet");
    const conversation = await alice.client.createConversation({ type: "direct", participantIds: [bob.userId] });
    await alice.client.send({ conversationId: conversation.id, content: "m0" });
    await waitUntil(() => bob.seen.messages.get(conversation.id)?.length === 1, "bob to see the first message");

    proxy.hold();
    await waitUntil(() => bob.client.state === "reconnecting", "bob offline");
    for (let i = 1; i <= 8; i++) {
      await alice.client.send({ conversationId: conversation.id, content: `m${i}` });
    }
    const resyncs = bob.seen.resyncs;
    proxy.release();
    await waitUntil(() => bob.client.state === "connected", "bob back");
    assert.equal(bob.seen.resyncs, resyncs + 1, "limited: the list was read again");
    await assertSameAsServer(bob, conversation.id, 9);
    assert.ok(bob.seen.messages.get(conversation.id).slice(1).every((m) => m.content.startsWith("m")));
  });
});

