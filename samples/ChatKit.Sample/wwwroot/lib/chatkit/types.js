// Generated from clients/typescript by `npm run vendor`: do not edit.
// The wire contract's JSON shapes (contract.md v1 and "v2 additions", docs/protocol.md), exactly as they travel.
export const durableEventNames = [
    "newMessage", "messageUpdated", "messageDeleted", "reactionAdded", "reactionRemoved", "messageRead",
    "conversationRead", "messageDelivered", "participantsAdded", "participantRemoved", "conversationCreated",
    "conversationUpdated",
];
export const transientEventNames = ["onlineUsers", "userTyping", "userStoppedTyping", "userStatusChanged"];
