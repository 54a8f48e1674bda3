import { HubConnectionBuilder, HubConnectionState, LogLevel } from "@microsoft/signalr";
import type { HubConnection } from "@microsoft/signalr";
import { ChatKitError } from "./errors.js";
import type {
  Conversation, ConversationPage, CreateConversationRequest, DurableEventName, HistoryQuery, Message, MessagePage,
  PushSubscriptionRequest, Role, SendMessageAck, SendMessageRequest, ServerEvents, SyncRequest, SyncResult, Timestamp,
  UpdateConversationRequest,
} from "./types.js";
import { durableEventNames, transientEventNames } from "./types.js";

/** Where the client's connection is. `recovering`: connected again and catching up on what was missed. */
export type ConnectionState = "disconnected" | "connecting" | "connected" | "reconnecting" | "recovering";

/** How an event reached the app: live from the hub, replayed by sync, or read from history to fill a gap. */
export interface EventMeta {
  source: "live" | "sync" | "history";
}

/** A message the app sent that the server has not acknowledged yet. */
export interface OutboxItem {
  tempId: string;
  conversationId: string;
  request: SendMessageRequest & { tempId: string };
  /** pending: on its way; failed: not sent yet, resent by itself once connected; refused: the server said no (retry() or discard()). */
  status: "pending" | "failed" | "refused" | "sent";
  error?: ChatKitError;
  ack?: SendMessageAck;
}

type Forwarded = Exclude<keyof ServerEvents, "messageSent">;

/** Everything the app can listen to with `on`. */
export type ClientEvents = { [K in Forwarded]: (payload: ServerEvents[K], meta: EventMeta) => void } & {
  /** The connection state changed. */
  state: (state: ConnectionState) => void;
  /** The full conversation list, read after a catch-up that could not replay every event: replace your list with it. */
  resync: (conversations: Conversation[]) => void;
  /** An outbox item changed status (removed once `sent`). */
  outbox: (item: OutboxItem) => void;
  /** A background failure (a catch-up that failed and will be retried, a handler that threw). */
  error: (error: Error) => void;
};

export interface ChatClientOptions {
  /** The host's base URL, e.g. "https://chat.example.com"; "" (the default) for the page's own origin. */
  url?: string;
  /** The bearer token, asked for each connection and each REST call. */
  accessTokenFactory: () => string | Promise<string>;
  /** The hub's path (default "/chat"). */
  hubPath?: string;
  /** The REST API's prefix (default "/chats"). */
  apiPrefix?: string;
  /** Milliseconds to wait before reconnect attempt `attempt` (0-based); default 0, 0.5 s, 1 s, 2 s … up to 10 s, ±20 %. */
  retryDelay?: (attempt: number) => number;
  /** SignalR's own reconnect attempts before the client starts the connection anew (default 5). */
  builtInReconnectAttempts?: number;
  /** The page size of history reads that fill gaps (default 100, the server's maximum). */
  pageSize?: number;
  /** At most this many events per sync (default: the server's, 500); beyond it the client re-reads and pages history. */
  syncLimit?: number;
  /** SignalR's log level (default Warning). */
  logLevel?: LogLevel;
  /** The fetch to use for REST (default globalThis.fetch). */
  fetch?: typeof fetch;
}

const defaultDelay = (attempt: number): number =>
  attempt === 0 ? 0 : Math.min(10_000, 500 * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);

const seenEventIdLimit = 10_000;

interface PendingSend {
  item: OutboxItem;
  inFlight: boolean;
  waiters: { resolve: (ack: SendMessageAck) => void; reject: (error: ChatKitError) => void }[];
}

/**
 * A ChatKit client: typed hub methods and REST calls, reconnect with backoff, catch-up after every (re)connect (sync
 * when the server has it, else the conversation list and history pages), an outbox retried under the same tempId until
 * acknowledged, and durable events delivered once each, messages in seq order per conversation.
 */
export class ChatClient {
  private readonly options: Required<Omit<ChatClientOptions, "fetch" | "logLevel" | "syncLimit">> & ChatClientOptions;
  private readonly connection: HubConnection;
  private readonly handlers = new Map<string, Set<(...args: never[]) => void>>();
  private readonly seqs = new Map<string, number>();
  private readonly buffered = new Map<string, Map<number, { message: Message; eventId?: string; meta: EventMeta }>>();
  private readonly seenEventIds = new Set<string>();
  private readonly sends = new Map<string, PendingSend>();
  private readonly rooms = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private currentState: ConnectionState = "disconnected";
  private cursorValue: string | null = null;
  private syncSupported: boolean | undefined;
  private stopped = true;
  private restarting = false;
  private flushing = false;

  constructor(options: ChatClientOptions) {
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
      this.connection.on(name, (payload: never) => this.onLive(name, payload));
    }
    for (const name of transientEventNames) {
      this.connection.on(name, (payload: never) => this.emit(name, payload, { source: "live" }));
    }
    this.connection.on("messageSent", () => { /* the invocation's result acknowledges */ });
    this.connection.onreconnecting(() => {
      this.setState("reconnecting");
    });
    this.connection.onreconnected(() => void this.afterConnect());
    this.connection.onclose(() => {
      if (this.stopped) {
        this.setState("disconnected");
      } else {
        void this.restart();
      }
    });
  }

  /** The connection state. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /** The sync cursor the next catch-up starts from (null before the first one, or when the server has no sync). */
  get cursor(): string | null {
    return this.cursorValue;
  }

  /** The highest seq of a conversation delivered to the app (undefined for a conversation it has not seen). */
  lastSeq(conversationId: string): number | undefined {
    return this.seqs.get(conversationId);
  }

  /** The messages not acknowledged yet, oldest first. */
  get outbox(): readonly OutboxItem[] {
    return [...this.sends.values()].map((s) => s.item);
  }

  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof ClientEvents>(event: K, handler: ClientEvents[K]): () => void {
    const set = this.handlers.get(event) ?? new Set();
    set.add(handler as (...args: never[]) => void);
    this.handlers.set(event, set);
    return () => set.delete(handler as (...args: never[]) => void);
  }

  /**
   * Connects and catches up (the `resync` event brings the conversation list). Rejects when the first connection
   * fails (a bad token, an unreachable host); once connected, the client reconnects by itself until stop().
   */
  async start(): Promise<void> {
    this.stopped = false;
    this.setState("connecting");
    try {
      await this.connection.start();
    } catch (error) {
      this.stopped = true;
      this.setState("disconnected");
      throw ChatKitError.fromHub(error);
    }
    await this.afterConnect();
  }

  /** Closes the connection for good; unsent messages stay in the outbox. */
  async stop(): Promise<void> {
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
  send(request: SendMessageRequest): Promise<SendMessageAck> {
    const tempId = request.tempId ?? newTempId();
    const send: PendingSend = {
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
  retry(tempId: string): Promise<SendMessageAck> {
    const send = this.sends.get(tempId);
    if (!send) {
      return Promise.reject(new ChatKitError(`no unsent message ${tempId}`));
    }
    const acked = this.waitFor(send);
    void this.deliver(send);
    return acked;
  }

  /** Drops an outbox item (it may still have been stored, if it was in flight). */
  discard(tempId: string): void {
    this.sends.delete(tempId);
  }

  private waitFor(send: PendingSend): Promise<SendMessageAck> {
    return new Promise((resolve, reject) => send.waiters.push({ resolve, reject }));
  }

  private async deliver(send: PendingSend, fromFlush = false): Promise<void> {
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
      this.acknowledge(send.item.tempId, await this.connection.invoke<SendMessageAck>("sendMessage", send.item.request));
    } catch (raw) {
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
      } else {
        this.setSendStatus(send, "refused", error);
        const waiters = send.waiters.splice(0);
        waiters.forEach((w) => w.reject(error));
      }
    } finally {
      send.inFlight = false;
    }
  }

  private acknowledge(tempId: string, ack: SendMessageAck): void {
    const send = this.sends.get(tempId);
    if (!send) {
      return;
    }
    this.sends.delete(tempId);
    send.item.ack = ack;
    this.setSendStatus(send, "sent");
    send.waiters.splice(0).forEach((w) => w.resolve(ack));
  }

  private setSendStatus(send: PendingSend, status: OutboxItem["status"], error?: ChatKitError): void {
    send.item.status = status;
    send.item.error = error;
    this.emit("outbox", send.item);
  }

  private async flushOutbox(): Promise<void> {
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
    } finally {
      this.flushing = false;
    }
  }

  // ---- connection and catch-up -----------------------------------------------------------------------------------

  private async afterConnect(): Promise<void> {
    for (let attempt = 1; this.connection.state === HubConnectionState.Connected; attempt++) {
      this.setState("recovering");
      try {
        await this.enqueue(() => this.catchUp());
        for (const conversationId of this.rooms) {
          await this.connection.invoke("joinRoom", { conversationId }).catch(() => undefined);
        }
        break;
      } catch (error) {
        this.emit("error", error as Error);
        await delay(this.options.retryDelay(attempt));
      }
    }
    if (this.connection.state === HubConnectionState.Connected) {
      this.setState("connected");
      await this.flushOutbox();
    }
  }

  /** SignalR's own reconnect gave up (or the connection closed): start it anew, with backoff, until it works or stop(). */
  private async restart(): Promise<void> {
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
        } catch {
          continue;
        }
        void this.afterConnect();
        return;
      }
    } finally {
      this.restarting = false;
    }
  }

  private async catchUp(): Promise<void> {
    if (this.syncSupported !== false) {
      try {
        const since = this.cursorValue;
        const request: SyncRequest = since ? { since, limit: this.options.syncLimit } : {};
        const result = await this.connection.invoke<SyncResult>("sync", request);
        this.syncSupported = true;
        for (const event of result.events) {
          await this.apply(event.type, event.data as never, { source: "sync" });
        }
        this.cursorValue = result.cursor;
        if (since && !result.limited) {
          await this.fillOpenGaps();
          return;
        }
      } catch (raw) {
        if (!String((raw as Error)?.message).includes("Method does not exist")) {
          throw ChatKitError.fromHub(raw);
        }
        this.syncSupported = false; // a server without sync: every catch-up re-reads the list and pages history
      }
    }
    await this.resync();
  }

  /** Re-reads the conversation list, delivers every message missed from history, then hands the list to the app. */
  private async resync(): Promise<void> {
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
      } else if (conversation.lastSeq > known) {
        await this.fill(conversation.id);
      }
    }
    this.emit("resync", conversations);
  }

  private async fillOpenGaps(): Promise<void> {
    for (const [conversationId, waiting] of this.buffered) {
      if (waiting.size > 0) {
        await this.fill(conversationId);
      }
    }
  }

  /** Reads history after the last delivered seq until nothing is missing. */
  private async fill(conversationId: string): Promise<void> {
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

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private onLive(name: DurableEventName, payload: never): void {
    this.enqueue(() => this.apply(name, payload, { source: "live" })).catch((error) => this.emit("error", error as Error));
  }

  /** One durable event, live or from sync: skipped when already seen, messages held back until their seq is next. */
  private async apply<K extends DurableEventName>(name: K, payload: ServerEvents[K], meta: EventMeta): Promise<void> {
    const eventId = (payload as { eventId?: string }).eventId;
    if (eventId !== undefined) {
      if (this.seenEventIds.has(eventId)) {
        return;
      }
      this.seenEventIds.add(eventId);
      if (this.seenEventIds.size > seenEventIdLimit) {
        this.seenEventIds.delete(this.seenEventIds.values().next().value!);
      }
    }
    if (name === "newMessage") {
      const { message, conversationId } = payload as ServerEvents["newMessage"];
      if (this.deliverMessage(conversationId, message, eventId, meta) === "gap" && meta.source === "live") {
        try {
          await this.fill(conversationId);
        } catch (error) {
          this.emit("error", error as Error); // disconnected: the next catch-up fills it
        }
      }
      return;
    }
    if (name === "conversationCreated") {
      const { id, lastSeq } = payload as Conversation;
      if (this.seqs.has(id)) {
        return; // known already (sync replays what was also seen live): its view as created would be stale
      }
      this.seqs.set(id, lastSeq);
    }
    this.emit(name, payload, meta);
  }

  private deliverMessage(conversationId: string, message: Message, eventId: string | undefined, meta: EventMeta): "delivered" | "duplicate" | "gap" {
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
    if (message.tempId && this.sends.has(message.tempId) && this.sends.get(message.tempId)!.item.conversationId === conversationId) {
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

  private setState(state: ConnectionState): void {
    if (this.currentState !== state) {
      this.currentState = state;
      this.emit("state", state);
    }
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        (handler as (...a: unknown[]) => void)(...args);
      } catch (error) {
        if (event === "error") {
          console.error(error);
        } else {
          this.emit("error", error as Error);
        }
      }
    }
  }

  // ---- hub methods -----------------------------------------------------------------------------------------------

  private async invoke<T>(method: string, ...args: unknown[]): Promise<T> {
    try {
      return await this.connection.invoke<T>(method, ...args);
    } catch (error) {
      throw ChatKitError.fromHub(error);
    }
  }

  /** Creates a conversation (a direct one that exists is returned as it is). */
  async createConversation(request: CreateConversationRequest): Promise<Conversation> {
    const conversation = await this.invoke<Conversation>("createConversation", request);
    if (!this.seqs.has(conversation.id)) {
      this.seqs.set(conversation.id, conversation.lastSeq);
    }
    return conversation;
  }

  /**
   * Mutes a conversation for the calling user: no notification about it reaches them while they are offline, until
   * `until` (until unmuted when omitted). Live events still arrive.
   */
  async muteConversation(conversationId: string, until?: Timestamp | null): Promise<Conversation> {
    return this.invoke<Conversation>("muteConversation", { conversationId, until: until ?? null });
  }

  /** Ends the calling user's mute of a conversation (nothing when it was not muted). */
  async unmuteConversation(conversationId: string): Promise<Conversation> {
    return this.invoke<Conversation>("unmuteConversation", { conversationId });
  }

  /** Receives the conversation's typing events on this connection, again after every reconnect, until leaveRoom. */
  async joinRoom(conversationId: string): Promise<Conversation> {
    this.rooms.add(conversationId);
    return this.invoke<Conversation>("joinRoom", { conversationId });
  }

  async leaveRoom(conversationId: string): Promise<void> {
    this.rooms.delete(conversationId);
    if (this.connection.state === HubConnectionState.Connected) {
      await this.invoke("leaveRoom", { conversationId });
    }
  }

  /** Says the user is typing (nothing while disconnected: typing is not worth queueing). */
  async typing(conversationId: string): Promise<void> {
    if (this.connection.state === HubConnectionState.Connected) {
      await this.invoke("typing", { conversationId });
    }
  }

  async stopTyping(conversationId: string): Promise<void> {
    if (this.connection.state === HubConnectionState.Connected) {
      await this.invoke("stopTyping", { conversationId });
    }
  }

  markAsRead(conversationId: string, messageId: string): Promise<void> {
    return this.invoke("markAsRead", { conversationId, messageId });
  }

  markConversationAsRead(conversationId: string): Promise<void> {
    return this.invoke("markConversationAsRead", { conversationId });
  }

  markAsDelivered(conversationId: string, seq: number): Promise<void> {
    return this.invoke("markAsDelivered", { conversationId, seq });
  }

  editMessage(messageId: string, content: string): Promise<Message> {
    return this.invoke("editMessage", { messageId, content });
  }

  addReaction(messageId: string, emoji: string): Promise<Message> {
    return this.invoke("addReaction", { messageId, emoji });
  }

  removeReaction(messageId: string, emoji: string): Promise<Message> {
    return this.invoke("removeReaction", { messageId, emoji });
  }

  getOnlineUsers(): Promise<string[]> {
    return this.invoke("getOnlineUsers");
  }

  /** The raw sync call (the client already syncs after every connect; this is for apps that keep their own cursor). */
  sync(request: SyncRequest = {}): Promise<SyncResult> {
    return this.invoke("sync", request);
  }

  // ---- REST ------------------------------------------------------------------------------------------------------

  private async rest<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.options.accessTokenFactory();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    const fetchImpl = this.options.fetch ?? globalThis.fetch;
    let response: Response;
    try {
      response = await fetchImpl(this.options.url + this.options.apiPrefix + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ChatKitError(String((error as Error)?.message ?? error)); // unreachable: transient
    }
    if (!response.ok) {
      throw await ChatKitError.fromResponse(response);
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  /** One page of the conversation list, most recent activity first. */
  listConversations(options: { limit?: number; cursor?: string | null } = {}): Promise<ConversationPage> {
    return this.rest("GET", "/conversations" + query({ limit: options.limit, cursor: options.cursor ?? undefined }));
  }

  /** Every conversation of the user, all pages read. */
  async allConversations(): Promise<Conversation[]> {
    const all: Conversation[] = [];
    let cursor: string | null = null;
    do {
      const page: ConversationPage = await this.listConversations({ limit: 100, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  getConversation(conversationId: string): Promise<Conversation> {
    return this.rest("GET", `/conversations/${encodeURIComponent(conversationId)}`);
  }

  /** A page of history, ascending by seq: no query the newest page, `before` older ones, `after` newer ones. */
  history(conversationId: string, options: HistoryQuery = {}): Promise<MessagePage> {
    return this.rest("GET", `/conversations/${encodeURIComponent(conversationId)}/messages` + query({ ...options }));
  }

  deleteMessage(messageId: string): Promise<void> {
    return this.rest("DELETE", `/messages/${encodeURIComponent(messageId)}`);
  }

  updateConversation(conversationId: string, changes: UpdateConversationRequest): Promise<Conversation> {
    return this.rest("PATCH", `/conversations/${encodeURIComponent(conversationId)}`, changes);
  }

  setRole(conversationId: string, userId: string, role: Role): Promise<Conversation> {
    return this.rest("PUT", `/conversations/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(userId)}/role`, { role });
  }

  addParticipants(conversationId: string, userIds: string[]): Promise<Conversation> {
    return this.rest("POST", `/conversations/${encodeURIComponent(conversationId)}/participants`, { userIds });
  }

  removeParticipant(conversationId: string, userId: string): Promise<void> {
    return this.rest("DELETE", `/conversations/${encodeURIComponent(conversationId)}/participants/${encodeURIComponent(userId)}`);
  }

  leaveConversation(conversationId: string): Promise<void> {
    return this.rest("POST", `/conversations/${encodeURIComponent(conversationId)}/leave`);
  }

  subscribePush(subscription: PushSubscriptionRequest): Promise<void> {
    return this.rest("POST", "/push-subscriptions", subscription);
  }

  unsubscribePush(endpoint: string): Promise<void> {
    return this.rest("DELETE", "/push-subscriptions" + query({ endpoint }));
  }
}

function query(parameters: Record<string, string | number | undefined>): string {
  const pairs = Object.entries(parameters).filter(([, v]) => v !== undefined && v !== null);
  return pairs.length === 0 ? "" : "?" + pairs.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&");
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function newTempId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
