using MongoDB.Driver;

namespace ChatKit.Storage.Mongo.Internal;

/// <summary><see cref="VisibleSeq"/>'s operations on ChatKit's collections: each one single-document and atomic.</summary>
internal sealed class MongoVisibleSeqBackend(MongoChatContext context, TimeProvider time) : IVisibleSeqBackend
{
    public async Task<long> ReadVisibleAsync(string conversationId)
    {
        var conversation = await context.Conversations.Find(MongoDefinitions.ConversationById(conversationId))
            .Project<ConversationDocument>(MongoDefinitions.VisibleSeqOnly)
            .FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Conversation {conversationId} does not exist.");
        return conversation.LastSeq;
    }

    public async Task<(SeqSlot Slot, DateTime CreatedAt)> ProbeAsync(string conversationId, long seq)
    {
        var message = await context.Messages.Find(MongoDefinitions.MessageAt(conversationId, seq))
            .Project<MessageDocument>(MongoDefinitions.SlotOnly)
            .FirstOrDefaultAsync(CancellationToken.None).ConfigureAwait(false);
        return message switch
        {
            null => (SeqSlot.Empty, default),
            { Type: MongoDefinitions.GapType } => (SeqSlot.Gap, default),
            _ => (SeqSlot.Message, message.CreatedAt),
        };
    }

    public Task AdvanceAsync(string conversationId, long from, SeqSlot slot, DateTime createdAt) =>
        context.Conversations.UpdateOneAsync(
            MongoDefinitions.ConversationVisibleAt(conversationId, from),
            MongoDefinitions.AdvanceVisible(from + 1, slot == SeqSlot.Message, createdAt),
            cancellationToken: CancellationToken.None);

    public async Task FillGapAsync(string conversationId, long seq)
    {
        try
        {
            await context.Messages.InsertOneAsync(
                MongoDefinitions.GapMarker(conversationId, seq, time.GetUtcNow().UtcDateTime),
                cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (MongoWriteException exception) when (MongoErrors.IsDuplicateKey(exception))
        {
            // The late message, or another append's marker, holds the seq now: either settles it.
        }
    }
}
