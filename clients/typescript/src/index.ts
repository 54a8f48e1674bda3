export { ChatClient } from "./client.js";
export type { ChatClientOptions, ClientEvents, ConnectionState, EventMeta, OutboxItem } from "./client.js";
export { ChatKitError } from "./errors.js";
export { applyReaction, ReceiptPositions } from "./receipts.js";
export type { ReceiptPosition } from "./receipts.js";
export * from "./types.js";
export { LogLevel } from "@microsoft/signalr";
