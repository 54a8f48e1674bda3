// Generated from clients/typescript by `npm run vendor`: do not edit.
export { ChatClient } from "./client.js";
export { ChatKitError } from "./errors.js";
export { applyReaction, ReceiptPositions } from "./receipts.js";
export * from "./types.js";
export { LogLevel } from "./signalr.js";
