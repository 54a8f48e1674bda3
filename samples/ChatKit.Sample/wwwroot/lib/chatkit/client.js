// Generated from clients/typescript by `npm run vendor`: do not edit.
import { HubConnectionBuilder, HubConnectionState, LogLevel } from "./signalr.js";
import { ChatKitError } from "./errors.js";
import { durableEventNames, transientEventNames } from "./types.js";
const defaultDelay = (attempt) => attempt === 0 ? 0 : Math.min(10_000, 500 * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
const seenEventIdLimit = 10_000;
/**
 * A ChatKit client: typed hub methods and REST calls, reconnect with backoff, catch-up after every (re)connect (sync
 * when the server has it, else the conversation list and history pages), an outbox retried under the same tempId until
 * acknowledged, and durable events delivered once each, messages in seq order per conversation.
 */
export class ChatClient {
    options;
    connection;
    handlers = new Map();
    seqs = new Map();
    buffered = new Map();
    seenEventIds = new Set();
    sends = new Map();
    rooms = new Set();
    queue = Promise.resolve();
    currentState = "disconnected";
    cursorValue = null;
    syncSupported;
    stopped = true;
    restarting = false;
    flushing = false;
    constructor(options) {
        this.options = { url: "", hubPath: "/chat", apiPrefix: "/chats", retryDelay: defaultDelay, builtInReconnectAttempts: 5, pageSize: 100, ...options };
        const attempts = this.options.builtInReconnectAttempts;
        this.connection = new HubConnectionBuilder()
            .withUrl(this.options.url + this.options.hubPath, { accessTokenFactory: this.options.accessTokenFactory })
            .withAutomaticReconnect({
            nextRetryDelayInMilliseconds: (context) => context.previousRetryCount < attempts ? this.options.retryDelay(context.previousRetryCount) : null,
        })
            .configureLogging(this.options.logLevel ?? LogLevel.Warning)
            .build();
        for (const name of durableEventNames) {
            this.connection.on(name, (payload) => this.onLive(name, payload));
        }
        for (const name of transientEventNames) {
            this.connection.on(name, (payload) => this.emit(name, payload, { source: "live" }));
        }
        this.connection.on("messageSent", () => { });
        this.connection.onreconnecting(() => {
            this.setState("reconnecting");
        });
        this.connection.onreconnected(() => void this.afterConnect());
        this.connection.onclose(() => {
            if (this.stopped) {
                this.setState("disconnected");
            }
            else {
                void this.restart();
            }
        });
    }
    /** The connection state. */
    get state() {
        return this.currentState;
    }
    /** The sync cursor the next catch-up starts from (null before the first one, or when the server has no sync). */
    get cursor() {
        return this.cursorValue;
    }
    /** The highest seq of a conversation delivered to the app (undefined for a conversation it has not seen). */
    lastSeq(conversationId) {
        return this.seqs.get(conversationId);
    }
    /** The messages not acknowledged yet, oldest first. */
    get outbox() {
        return [...this.sends.values()].map((s) => s.item);
    }
    /** Listens to an event; returns a function that stops listening. */
    on(event, handler) {
        const set = this.handlers.get(event) ?? new Set();
        set.add(handler);
        this.handlers.set(event, set);
        return () => set.delete(handler);
    }
    /**
     * Connects and catches up (the `resync` event brings the conversation list). Rejects when the first connection
     * fails (a bad token, an unreachable host); once connected, the client reconnects by itself until stop().
     */
    async start() {
        this.stopped = false;
        this.setState("connecting");
        try {
            await this.connection.start();
        }
        catch (error) {
            this.stopped = true;
            this.setState("disconnected");
            throw ChatKitError.fromHub(error);
        }
        await this.afterConnect();
    }
    /** Closes the connection for good; unsent messages stay in the outbox. */
    async stop() {
        this.stopped = true;
        await this.connection.stop();
        this.setState("disconnected");
    }
    // ---- sending ---------------------------------------------------------------------------------------------------
    /**
     * Sends a message through the outbox: resolves with the ack once the server stored it, however many reconnects that
     * takes (always under the same tempId, so it is stored once). Rejects only when the server refuses it (validation,
     * rate limit, …): the item then stays in the outbox as `refused` until retry() or discard().
     */
    send(request) {
        const tempId = request.tempId ?? newTempId();
        const send = {
            item: { tempId, conversationId: request.conversationId, request: { ...request, tempId }, status: "pending" },
            inFlight: false,
            waiters: [],
        };
        this.sends.set(tempId, send);
        const acked = this.waitFor(send);
        this.emit("outbox", send.item);
        void this.deliver(send);
        return acked;
    }
    /** Sends a refused (or failed) outbox item again, under its tempId. */
    retry(tempId) {
        const send = this.sends.get(tempId);
        if (!send) {
            return Promise.reject(new ChatKitError(`no unsent message ${tempId}`));
        }
        const acked = this.waitFor(send);
        void this.deliver(send);
        return acked;
    }
    /** Drops an outbox item (it may still have been stored, if it was in flight). */
    discard(tempId) {
        this.sends.delete(tempId);
    }
    waitFor(send) {
        return new Promise((resolve, reject) => send.waiters.push({ resolve, reject }));
    }
    async deliver(send, fromFlush = false) {
        if (send.inFlight || !this.sends.has(send.item.tempId)) {
            return;
        }
        if (this.connection.state !== HubConnectionState.Connected || this.currentState !== "connected" || (this.flushing && !fromFlush)) {
            // Offline, catching up, or older messages still going out: the flush sends it in its turn, oldest first.
            this.setSendStatus(send, "failed");
            return;
        }
        send.inFlight = true;
        this.setSendStatus(send, "pending");
        try {
            this.acknowledge(send.item.tempId, await this.connection.invoke("sendMessage", send.item.request));
        }
        catch (raw) {
            const error = ChatKitError.fromHub(raw);
            if (!this.sends.has(send.item.tempId)) {
                return;
            }
            if (error.transient) {
                this.setSendStatus(send, "failed", error);
                if (this.connection.state === HubConnectionState.Connected) {
                    // The store was unavailable: try again a little later (a reconnect resends anyway).
                    setTimeout(() => void this.deliver(send), this.options.retryDelay(2));
                }
            }
            else {
                this.setSendStatus(send, "refused", error);
                const waiters = send.waiters.splice(0);
                waiters.forEach((w) => w.reject(error));
            }
        }
        finally {
            send.inFlight = false;
        }
    }
    acknowledge(tempId, ack) {
        const send = this.sends.get(tempId);
        if (!send) {
            return;
        }
        this.sends.delete(tempId);
        send.item.ack = ack;
        this.setSendStatus(send, "sent");
        send.waiters.splice(0).forEach((w) => w.resolve(ack));
    }
    setSendStatus(send, status, error) {
        send.item.status = status;
        send.item.error = error;
        this.emit("outbox", send.item);
    }
    async flushOutbox() {
        if (this.flushing) {
            return;
        }
        this.flushing = true;
        try {
            // The live map: messages sent meanwhile are queued behind the older ones and go out in this same pass.
            for (const send of this.sends.values()) {
                if (send.item.status === "failed" || send.item.status === "pending") {
                    await this.deliver(send, true);
                }
            }
        }
        finally {
            this.flushing = false;
        }
    }
    // ---- connection and catch-up -----------------------------------------------------------------------------------
    async afterConnect() {
        for (let attempt = 1; this.connection.state === HubConnectionState.Connected; attempt++) {
            this.setState("recovering");
            try {
                await this.enqueue(() => this.catchUp());
                for (const conversationId of this.rooms) {
                    await this.connection.invoke("joinRoom", { conversationId }).catch(() => undefined);
                }
                break;
            }
            catch (error) {
                this.emit("error", error);
                await delay(this.options.retryDelay(attempt));
            }
        }
        if (this.connection.state === HubConnectionState.Connected) {
            this.setState("connected");
            await this.flushOutbox();
        }
    }
    /** SignalR's own reconnect gave up (or the connection closed): start it anew, with backoff, until it works or stop(). */
    async restart() {
        if (this.restarting) {
            return;
        }
        this.restarting = true;
        this.setState("reconnecting");
        try {
            for (let attempt = 1; !this.stopped; attempt++) {
                await delay(this.options.retryDelay(attempt));
                if (this.stopped) {
                    return;
                }
                try {
                    await this.connection.start();
                }
                catch {
                    continue;
                }
                void this.afterConnect();
                return;
            }
        }
        finally {
            this.restarting = false;
        }
    }
    async catchUp() {
        if (this.syncSupported !== false) {
            try {
                const since = this.cursorValue;
                const request = since ? { since, limit: this.options.syncLimit } : {};
                const result = await this.connection.invoke("sync", request);
                this.syncSupported = true;
                for (const event of result.events) {
                    await this.apply(event.type, event.data, { source: "sync" });
                }
                this.cursorValue = result.cursor;
                if (since && !result.limited) {
                    await this.fillOpenGaps();
                    return;
                }
            }
            catch (raw) {
                if (!String(raw?.message).includes("Method does not exist")) {
                    throw ChatKitError.fromHub(raw);
                }
                this.syncSupported = false; // a server without sync: every catch-up re-reads the list and pages history
            }
        }
        await this.resync();
    }
    /** Re-reads the conversation list, delivers every message missed from history, then hands the list to the app. */
    async resync() {
        const conversations = await this.allConversations();
        const ids = new Set(conversations.map((c) => c.id));
        for (const id of [...this.seqs.keys()]) {
            if (!ids.has(id)) {
                this.seqs.delete(id);
                this.buffered.delete(id);
            }
        }
        for (const conversation of conversations) {
            const known = this.seqs.get(conversation.id);
            if (known === undefined) {
                this.seqs.set(conversation.id, conversation.lastSeq); // new to this client: older messages are history
            }
            else if (conversation.lastSeq > known) {
                await this.fill(conversation.id);
            }
        }
        this.emit("resync", conversations);
    }
    async fillOpenGaps() {
        for (const [conversationId, waiting] of this.buffered) {
            if (waiting.size > 0) {
                await this.fill(conversationId);
            }
        }
    }
    /** Reads history after the last delivered seq until nothing is missing. */
    async fill(conversationId) {
        for (;;) {
            const after = this.seqs.get(conversationId) ?? 0;
            const page = await this.history(conversationId, { after, limit: this.options.pageSize });
            for (const message of page.items) {
                this.deliverMessage(conversationId, message, undefined, { source: "history" });
            }
            if (!page.hasMore || page.items.length === 0) {
                return;
            }
        }
    }
    enqueue(work) {
        const next = this.queue.then(work);
        this.queue = next.catch(() => undefined);
        return next;
    }
    onLive(name, payload) {
        this.enqueue(() => this.apply(name, payload, { source: "live" })).catch((error) => this.emit("error", error));
    }
    /** One durable event, live or from sync: skipped when already seen, messages held back until their seq is next. */
    async apply(name, payload, meta) {
        const eventId = payload.eventId;
        if (eventId !== undefined) {
            if (this.seenEventIds.has(eventId)) {
                return;
            }
            this.seenEventIds.add(eventId);
            if (this.seenEventIds.size > seenEventIdLimit) {
                this.seenEventIds.delete(this.seenEventIds.values().next().value);
            }
        }
        if (name === "newMessage") {
            const { message, conversationId } = payload;
            if (this.deliverMessage(conversationId, message, eventId, meta) === "gap" && meta.source === "live") {
                try {
                    await this.fill(conversationId);
                }
                catch (error) {
                    this.emit("error", error); // disconnected: the next catch-up fills it
                }
            }
            return;
        }
        if (name === "conversationCreated") {
            const { id, lastSeq } = payload;
            if (this.seqs.has(id)) {
                return; // known already (sync replays what was also seen live): its view as created would be stale
            }
            this.seqs.set(id, lastSeq);
        }
        this.emit(name, payload, meta);
    }
    deliverMessage(conversationId, message, eventId, meta) {
        const last = this.seqs.get(conversationId);
        if (last !== undefined && message.seq <= last) {
            return "duplicate";
        }
        if (last !== undefined && message.seq > last + 1) {
            const waiting = this.buffered.get(conversationId) ?? new Map();
            waiting.set(message.seq, { message, eventId, meta });
            this.buffered.set(conversationId, waiting);
            return "gap";
        }
        this.seqs.set(conversationId, message.seq);
        if (message.tempId && this.sends.has(message.tempId) && this.sends.get(message.tempId).item.conversationId === conversationId) {
            this.acknowledge(message.tempId, { tempId: message.tempId, messageId: message.id, seq: message.seq, createdAt: message.createdAt, message });
        }
        this.emit("newMessage", eventId === undefined ? { message, conversationId } : { message, conversationId, eventId }, meta);
        const waiting = this.buffered.get(conversationId);
        if (waiting) {
            for (const seq of [...waiting.keys()]) {
                if (seq <= message.seq) {
                    waiting.delete(seq);
                }
            }
            const next = waiting.get(message.seq + 1);
            if (next) {
                waiting.delete(message.seq + 1);
                this.deliverMessage(conversationId, next.message, next.eventId, next.meta);
            }
        }
        return "delivered";
    }
    setState(state) {
        if (this.currentState !== state) {
            this.currentState = state;
            this.emit("state", state);
        }
    }
    emit(event, ...args) {
        for (const handler of this.handlers.get(event) ?? []) {
            try {
                handler(...args);
            }
            catch (error) {
                if (event === "error") {
                    console.error(error);
                }
                else {
                    this.emit("error", error);
                }
            }
        }
    }
    // ---- hub methods -----------------------------------------------------------------------------------------------
    async invoke(method, ...args) {
        try {
            return await this.connection.invoke(method, ...args);
        }
        catch (error) {
            throw ChatKitError.fromHub(error);
        }
    }
    /** Creates a conversation (a direct one that exists is returned as it is). */
    async createConversation(request) {
        const conversation = await this.invoke("createConversation", request);
        if (!this.seqs.has(conversation.id)) {
            this.seqs.set(conversation.id, conversation.lastSeq);
        }
        return conversation;
    }
    /**
     * Mutes a conversation for the calling user: no notification about it reaches them while they are offline, until
     * `until` (until unmuted when omitted). Live events still arrive.
     */
    async muteConversation(conversationId, until) {
        return this.invoke("muteConversation", { conversationId, until: until ?? null });
    }
    /** Ends the calling user's mute of a conversation (nothing when it was not muted). */
    async unmuteConversation(conversationId) {
        return this.invoke("unmuteConversation", { conversationId });
    }
    /** Receives the conversation's typing events on this connection, again after every reconnect, until leaveRoom. */
    async joinRoom(conversationId) {
        this.rooms.add(conversationId);
        return this.invoke("joinRoom", { conversationId });
    }
    async leaveRoom(conversationId) {
        this.rooms.delete(conversationId);
        if (this.connection.state === HubConnectionState.Connected) {
            await this.invoke("leaveRoom", { conversationId });
        }
    }
    /** Says the user is typing (nothing while disconnected: typing is not worth queueing). */
    async typing(conversationId) {
        if (this.connection.state === HubConnectionState.Connected) {
            await this.invoke("typing", { conversationId });
        }
    }
    async stopTyping(conversationId) {
        if (this.connection.state === HubConnectionState.Connected) {
            await this.invoke("stopTyping", { conversationId });
        }
    }
    markAsRead(conversationId, messageId) {
        return this.invoke("markAsRead", { conversationId, messageId });
    }
    markConversationAsRead(conversationId) {
        return this.invoke("markConversationAsRead", { conversationId });
    }
    markAsDelivered(conversationId, seq) {
        return this.invoke("markAsDelivered", { conversationId, seq });
    }
    editMessage(messageId, content) {
        return this.invoke("editMessage", { messageId, content });
    }
    addReaction(messageId, emoji) {
        return this.invoke("addReaction", { messageId, emoji });
    }
    removeReaction(messageId, emoji) {
        return this.invoke("removeReaction", { messageId, emoji });
    }
    getOnlineUsers() {
        return this.invoke("getOnlineUsers");
    }
    /** The raw sync call (the client already syncs after every connect; this is for apps that keep their own cursor). */
    sync(request = {}) {
        return this.invoke("sync", request);
    }
    // ---- REST ------------------------------------------------------------------------------------------------------
    async rest(method, path, body) {
        const token = await this.options.accessTokenFactory();
        const headers = { Authorization: `Bearer ${token}` };
        if (body !== undefined) {
            headers["Content-Type"] = "application/json";
        }
        const fetchImpl = this.options.fetch ?? globalThis.fetch;
        let response;
        try {
            response = await fetchImpl(this.options.url + this.options.apiPrefix + path, {
                method, headers, body: body === undefined ? undefined : JSON.stringify(body),
            });
        }
        catch (error) {
            throw new ChatKitError(String(error?.message ?? error)); // unreachable: transient
        }
        if (!response.ok) {
            throw await ChatKitError.fromResponse(response);
        }
        return (response.status === 204 ? undefined : await response.json());
    }
    /** One page of the conversation list, most recent activity first. */
    listConversations(options = {}) {
        return this.rest("GET", "/conversations" + query({ limit: options.limit, cursor: options.cursor ?? undefined }));
    }
    /** Every conversation of the user, all pages read. */
    async allConversations() {
        const all = [];
        let cursor = null;
        do {
            const page = await this.listConversations({ limit: 100, cursor });
            all.push(...page.items);
            cursor = page.nextCursor;
        } while (cursor);
        return all;
    }
    getConversation(conversationId) {
        return this.rest("GET", `/conversations/${encodeURIComponent(conversationId)}`);
    }
    /** A page of history, ascending by seq: no query the newest page, `before` older ones, `after` newer ones. */
    history(conversationId, options = {}) {
        return this.rest("GET", `/conversations/${encodeURIComponent(conversationId)}/messages` + query({ ...options }));
    }
    deleteMessage(messageId) {
        return this.rest("DELETE", `/messages/${encodeURIComponent(messageId)}`);
    }
    updateConversation(conversationId, changes) {
        return this.rest("PATCH", `/conversations/${encodeURIComponent(conversationId)}`, changes);
    }
    setRole(conversationId, userId, role) {
        return this.rest("PUT", `/conversations/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(userId)}/role`, { role });
    }
    addParticipants(conversationId, userIds) {
        return this.rest("POST", `/conversations/${encodeURIComponent(conversationId)}/participants`, { userIds });
    }
    removeParticipant(conversationId, userId) {
        return this.rest("DELETE", `/conversations/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(userId)}`);
    }
    leaveConversation(conversationId) {
        return this.rest("POST", `/conversations/${encodeURIComponent(conversationId)}/leave`);
    }
    subscribePush(subscription) {
        return this.rest("POST", "/push-subscriptions", subscription);
    }
    unsubscribePush(endpoint) {
        return this.rest("DELETE", "/push-subscriptions" + query({ endpoint }));
    }
}
function query(parameters) {
    const pairs = Object.entries(parameters).filter(([, v]) => v !== undefined && v !== null);
    return pairs.length === 0 ? "" : "?" + pairs.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&");
}
function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
function newTempId() {
    return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
