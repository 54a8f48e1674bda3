using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatKit.Events;
using ChatKit.Notifications;
using ChatKit.Presence;
using ChatKit.Storage;
using Microsoft.Extensions.Options;

namespace ChatKit.Internal.Notifications;

/// <summary>
/// Turns one batching window of the event feed into the notifications to send: for each text message stored (and not
/// deleted within the window), every participant other than the sender who is still a participant, has not muted the
/// conversation, has not read the message yet, and has no open connection anywhere (the presence tracker: cluster-wide
/// with Redis). One notification per user and window, across conversations; with batching off, one per user and message.
/// </summary>
/// <remarks>
/// Everything is read when the window closes, not when the message was stored: a user who came online, read the
/// conversation or muted it in the meantime is not notified. Reads are cheap: one conversation read per conversation in the
/// window (its participants, with their mute), one read of their read positions, and one presence query.
/// </remarks>
internal sealed class NotificationPlanner(
    IChatStore store,
    IPresenceTracker presence,
    IOptions<ChatKitNotificationOptions> options,
    TimeProvider time)
{
    /// <summary>The work item type of a serialized <see cref="ChatNotification"/>.</summary>
    public const string ItemType = "notification";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The reasons a recipient is not notified, as the <c>chatkit.notifications.skipped</c> metric tags them.</summary>
    public static class Reasons
    {
        public const string Online = "online";
        public const string Muted = "muted";
        public const string Read = "read";
        public const string Left = "left";
    }

    /// <summary>Whether a feed event can cause a notification (and so opens a batching window).</summary>
    public static bool IsNotifiable(ChatEvent chatEvent) =>
        chatEvent is MessageCreatedEvent { Message: { Type: MessageType.Text, DeletedAt: null } };

    /// <summary>Plans the window's notifications; <paramref name="skipped"/> hears each reason and how many recipients it skipped.</summary>
    public async Task<IReadOnlyList<PlannedNotification>> PlanAsync(IReadOnlyList<OutboxEntry> entries, Action<string, int> skipped, CancellationToken cancellationToken)
    {
        var deleted = entries.Select(e => e.Event).OfType<MessageDeletedEvent>().Select(e => e.MessageId).ToHashSet(StringComparer.Ordinal);
        var messages = entries
            .Where(e => IsNotifiable(e.Event) && !deleted.Contains(((MessageCreatedEvent)e.Event).Message.Id))
            .ToList();
        if (messages.Count == 0)
        {
            return [];
        }

        var now = time.GetUtcNow();
        var conversationIds = messages.Select(e => ((MessageCreatedEvent)e.Event).Message.ConversationId).Distinct(StringComparer.Ordinal).ToList();
        var conversations = new Dictionary<string, Conversation?>(StringComparer.Ordinal);
        foreach (var id in conversationIds)
        {
            conversations[id] = await store.FindConversationAsync(id, cancellationToken).ConfigureAwait(false);
        }

        var read = (await store.GetReceiptPositionsAsync(conversationIds, cancellationToken).ConfigureAwait(false))
            .ToDictionary(p => (p.ConversationId, p.UserId), p => p.LastReadSeq);
        var candidates = new List<(string UserId, OutboxEntry Entry, NotifiedMessage Message)>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in messages)
        {
            var created = (MessageCreatedEvent)entry.Event;
            var message = created.Message;
            var conversation = conversations[message.ConversationId];
            foreach (var userId in created.ParticipantIds.Distinct(StringComparer.Ordinal))
            {
                if (string.Equals(userId, message.SenderId, StringComparison.Ordinal))
                {
                    continue;
                }

                var participant = conversation?.FindParticipant(userId);
                var reason = participant is null ? Reasons.Left
                    : participant.IsMutedAt(now) ? Reasons.Muted
                    : read.GetValueOrDefault((message.ConversationId, userId)) >= message.Seq ? Reasons.Read
                    : null;
                if (reason is not null)
                {
                    counts[reason] = counts.GetValueOrDefault(reason) + 1;
                    continue;
                }

                candidates.Add((userId, entry, new NotifiedMessage(message, conversation!.Type, conversation.Name)));
            }
        }

        if (candidates.Count > 0)
        {
            var online = await presence.GetOnlineUsersAsync(candidates.Select(c => c.UserId).ToHashSet(StringComparer.Ordinal), cancellationToken).ConfigureAwait(false);
            if (online.Count > 0)
            {
                var onlineSet = online.ToHashSet(StringComparer.Ordinal);
                counts[Reasons.Online] = candidates.RemoveAll(c => onlineSet.Contains(c.UserId));
            }
        }

        foreach (var (reason, count) in counts)
        {
            skipped(reason, count);
        }

        var settings = options.Value;
        var groups = settings.BatchWindow > TimeSpan.Zero
            ? candidates.GroupBy(c => c.UserId, StringComparer.Ordinal).Select(g => g.ToList())
            : candidates.Select(c => new List<(string UserId, OutboxEntry Entry, NotifiedMessage Message)> { c });
        return [.. groups.Select(group =>
        {
            var first = group[0];
            var notification = new ChatNotification(
                IdFor(first.UserId, first.Entry.Id),
                first.UserId,
                [.. group.Skip(Math.Max(0, group.Count - settings.MaxMessagesPerNotification)).Select(c => c.Message)],
                group.Count);
            return new PlannedNotification(notification, first.Entry.OccurredAt);
        })];
    }

    /// <summary>
    /// A notification's id: derived from its user and the first event of its batch, so planning the same window again
    /// (a crash before the checkpoint moved) gives the same id. 32 base64url characters (192 bits of SHA-256), which fits
    /// every provider's collapse key or topic (Web Push's Topic allows 32).
    /// </summary>
    public static string IdFor(string userId, string firstEventId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{userId.Length}:{userId}|{firstEventId}")), hash);
        return Base64Url.EncodeToString(hash[..24]);
    }

    public static string Serialize(ChatNotification notification) => JsonSerializer.Serialize(notification, Json);

    public static ChatNotification Deserialize(string payload) =>
        JsonSerializer.Deserialize<ChatNotification>(payload, Json) ?? throw new JsonException("The notification is empty.");
}

/// <summary>A notification to send, and when its batch's first message was stored.</summary>
internal sealed record PlannedNotification(ChatNotification Notification, DateTimeOffset OccurredAt);
