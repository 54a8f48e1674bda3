export { ChatClient } from "./client.js";
export type { ChatClientOptions, ClientEvents, ConnectionState, EventMeta, OutboxItem } from "./client.js";
export { ChatKitError } from "./errors.js";
export * from "./types.js";
export { LogLevel } from "@microsoft/signalr";
