using ChatKit.AspNetCore.Wire;

namespace ChatKit.AspNetCore;

// v2 hub methods.
public sealed partial class ChatHub
{
    /// <summary><c>markAsDelivered</c>: moves the caller's delivery position forward to a seq.</summary>
    /// <param name="args">The conversation and the seq received up to.</param>
    public Task MarkAsDelivered(MarkAsDeliveredArgs? args) =>
        _chat.MarkAsDeliveredAsync(
            Caller,
            RequireConversationId(args?.ConversationId),
            args?.Seq ?? throw ChatException.Validation("seq", "seq is required"),
            Context.ConnectionAborted);
}
