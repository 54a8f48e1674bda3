// The wire contract's JSON shapes (contract.md v1 and "v2 additions", docs/protocol.md), exactly as they travel.

/** An ISO 8601 UTC timestamp, e.g. "2026-11-24T10:00:00.123Z". */
export type Timestamp = string;

export type ConversationType = "direct" | "group";
export type Role = "owner" | "admin" | "member";
export type MessageType = "text" | "system";
export type JsonObject = { [key: string]: unknown };

export interface Participant {
  userId: string;
  role: Role;
  joinedAt: Timestamp;
  /** v2: the participant's read position (0 when nothing was read). */
  lastReadSeq?: number;
  /** v2: the participant's delivery position (never below lastReadSeq). */
  lastDeliveredSeq?: number;
}

export interface Conversation {
  id: string;
  type: ConversationType;
  name: string | null;
  createdBy: string;
  createdAt: Timestamp;
  participants: Participant[];
  lastMessage: Message | null;
  lastSeq: number;
  lastActivityAt: Timestamp;
  /** For the calling user. */
  unreadCount: number;
  /** v2: unread messages that mention the calling user. */
  unreadMentionCount?: number;
  /** v2 */
  metadata?: JsonObject | null;
  /**
   * Until when the calling user muted it (no notification while offline; "9999-12-31T23:59:59Z": until unmuted), or
   * null. Always null in conversationCreated and conversationUpdated events (they go to everyone).
   */
  mutedUntil?: Timestamp | null;
}

export interface Sender {
  id: string;
  name: string;
}

export interface ReplyTo {
  messageId: string;
  senderId: string;
  /** The original's first 100 characters as it is now; "" once it was deleted. */
  excerpt: string;
}

export interface Reaction {
  emoji: string;
  count: number;
  userIds: string[];
}

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  url: string;
}

export type SystemEventName = "participants_added" | "participant_removed" | "participant_left" | "conversation_renamed" | "role_changed";

export interface SystemInfo {
  event: SystemEventName;
  actorId: string;
  userIds: string[];
  name: string | null;
  role: Role | null;
}

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  sender: Sender;
  content: string;
  type: MessageType;
  tempId: string | null;
  createdAt: Timestamp;
  editedAt: Timestamp | null;
  deletedAt: Timestamp | null;
  /** v2 */
  replyTo?: ReplyTo | null;
  mentions?: string[];
  reactions?: Reaction[];
  attachments?: Attachment[];
  metadata?: JsonObject | null;
  system?: SystemInfo | null;
}

// ---- hub arguments and results --------------------------------------------------------------------------------

export interface CreateConversationRequest {
  type: ConversationType;
  participantIds: string[];
  name?: string;
  metadata?: JsonObject | null;
}

export interface SendMessageRequest {
  conversationId: string;
  content: string;
  type?: "text";
  tempId?: string;
  replyToId?: string;
  mentions?: string[];
  attachmentIds?: string[];
  metadata?: JsonObject | null;
}

export interface SendMessageAck {
  tempId: string | null;
  messageId: string;
  seq: number;
  createdAt: Timestamp;
  /** v2: the stored message as the participants receive it. */
  message?: Message;
}

export interface ConversationRef {
  conversationId: string;
}

export interface MarkAsReadRequest {
  conversationId: string;
  messageId: string;
}

export interface MarkAsDeliveredRequest {
  conversationId: string;
  seq: number;
}

export interface EditMessageRequest {
  messageId: string;
  content: string;
}

export interface ReactionRequest {
  messageId: string;
  emoji: string;
}

export interface SyncRequest {
  since?: string;
  limit?: number;
}

export interface SyncEvent<K extends DurableEventName = DurableEventName> {
  type: K;
  data: ServerEvents[K];
}

export interface SyncResult {
  events: SyncEvent[];
  cursor: string;
  limited: boolean;
}

// ---- REST ------------------------------------------------------------------------------------------------------

export interface ConversationPage {
  items: Conversation[];
  nextCursor: string | null;
}

export interface MessagePage {
  items: Message[];
  hasMore: boolean;
}

export interface HistoryQuery {
  limit?: number;
  before?: number;
  after?: number;
}

export interface UpdateConversationRequest {
  name?: string;
  metadata?: JsonObject | null;
}

export interface PushSubscriptionRequest {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** An RFC 7807 body with ChatKit's `code`. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: ErrorCode;
  errors?: Record<string, string[]>;
  traceId?: string;
}

export type ErrorCode = "validation_failed" | "forbidden" | "not_found" | "conflict" | "rate_limited" | "unavailable" | "internal_error" | "unauthenticated";

// ---- server to client events -----------------------------------------------------------------------------------

/** Durable events carry an `eventId` (the same live and in sync) from servers that have sync. */
interface Durable {
  eventId?: string;
}

export interface NewMessageEvent extends Durable { message: Message; conversationId: string }
export interface MessageUpdatedEvent extends Durable { message: Message; conversationId: string }
export interface MessageDeletedEvent extends Durable { messageId: string; conversationId: string }
export interface MessageSentEvent { tempId: string | null; messageId: string }
export interface UserTypingEvent { userId: string; conversationId: string; username: string }
export interface UserStoppedTypingEvent { userId: string; conversationId: string }
export interface MessageReadEvent extends Durable { messageId: string; conversationId: string; readBy: string; readAt: Timestamp }
export interface ConversationReadEvent extends Durable { conversationId: string; readBy: string; readAt: Timestamp }
export interface MessageDeliveredEvent extends Durable { conversationId: string; userId: string; seq: number }
export interface UserStatusChangedEvent { userId: string; status: "online" | "offline"; timestamp: Timestamp }
export interface ParticipantsAddedEvent extends Durable { conversationId: string; userIds: string[] }
export interface ParticipantRemovedEvent extends Durable { conversationId: string; userId: string }
export interface ReactionEvent extends Durable { conversationId: string; messageId: string; emoji: string; userId: string }

/** Every hub event, by its name on the wire. */
export interface ServerEvents {
  onlineUsers: string[];
  conversationCreated: Conversation;
  conversationUpdated: Conversation;
  newMessage: NewMessageEvent;
  messageSent: MessageSentEvent;
  messageUpdated: MessageUpdatedEvent;
  messageDeleted: MessageDeletedEvent;
  userTyping: UserTypingEvent;
  userStoppedTyping: UserStoppedTypingEvent;
  messageRead: MessageReadEvent;
  conversationRead: ConversationReadEvent;
  messageDelivered: MessageDeliveredEvent;
  userStatusChanged: UserStatusChangedEvent;
  participantsAdded: ParticipantsAddedEvent;
  participantRemoved: ParticipantRemovedEvent;
  reactionAdded: ReactionEvent;
  reactionRemoved: ReactionEvent;
}

/** The events sync returns (all but typing, presence, onlineUsers and messageSent). */
export type DurableEventName =
  | "newMessage" | "messageUpdated" | "messageDeleted" | "reactionAdded" | "reactionRemoved" | "messageRead"
  | "conversationRead" | "messageDelivered" | "participantsAdded" | "participantRemoved" | "conversationCreated"
  | "conversationUpdated";

export const durableEventNames: readonly DurableEventName[] = [
  "newMessage", "messageUpdated", "messageDeleted", "reactionAdded", "reactionRemoved", "messageRead",
  "conversationRead", "messageDelivered", "participantsAdded", "participantRemoved", "conversationCreated",
  "conversationUpdated",
];

export const transientEventNames = ["onlineUsers", "userTyping", "userStoppedTyping", "userStatusChanged"] as const;
