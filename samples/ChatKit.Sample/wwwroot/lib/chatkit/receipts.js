// Generated from clients/typescript by `npm run vendor`: do not edit.
/**
 * Every participant's read and delivery positions, per conversation, for sent / delivered / read marks. Positions only
 * move forward and reading implies delivery, so applying a Conversation or an event twice, or late, changes nothing.
 */
export class ReceiptPositions {
    byConversation = new Map();
    /** The positions of a conversation's participants, by user id (undefined before anything was learnt of it). */
    get(conversationId) {
        return this.byConversation.get(conversationId);
    }
    /** Moves a user's positions forward; true when one moved. */
    move(conversationId, userId, { read = 0, delivered = 0 }) {
        const positions = this.byConversation.get(conversationId) ?? new Map();
        this.byConversation.set(conversationId, positions);
        const old = positions.get(userId) ?? { read: 0, delivered: 0 };
        const next = { read: Math.max(old.read, read), delivered: 0 };
        next.delivered = Math.max(old.delivered, delivered, next.read);
        positions.set(userId, next);
        return next.read !== old.read || next.delivered !== old.delivered;
    }
    /** Takes every participant's lastReadSeq and lastDeliveredSeq from a Conversation (so marks survive a reload). */
    learn(conversation) {
        let moved = false;
        for (const p of conversation.participants) {
            moved = this.move(conversation.id, p.userId, { read: p.lastReadSeq ?? 0, delivered: p.lastDeliveredSeq ?? 0 }) || moved;
        }
        return moved;
    }
    /** Puts a user's delivery position back (a markAsDelivered that was not stored), unless it moved on since. */
    undoDelivered(conversationId, userId, seq, previous) {
        const position = this.byConversation.get(conversationId)?.get(userId);
        if (position && position.delivered === seq && position.read < seq) {
            position.delivered = previous;
        }
    }
    forget(conversationId) {
        this.byConversation.delete(conversationId);
    }
}
/** The message with a reactionAdded / reactionRemoved applied (idempotent: applying it twice changes nothing more). */
export function applyReaction(message, { emoji, userId }, added) {
    const reactions = (message.reactions ?? []).map((r) => ({ ...r, userIds: [...r.userIds] }));
    let reaction = reactions.find((r) => r.emoji === emoji);
    if (added && !reaction) {
        reaction = { emoji, count: 0, userIds: [] };
        reactions.push(reaction);
    }
    if (reaction) {
        reaction.userIds = added ? [...new Set([...reaction.userIds, userId])] : reaction.userIds.filter((id) => id !== userId);
        reaction.count = reaction.userIds.length;
    }
    return { ...message, reactions: reactions.filter((r) => r.count > 0) };
}
