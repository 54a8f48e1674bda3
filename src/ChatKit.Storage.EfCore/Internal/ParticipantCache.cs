using System.Collections.Concurrent;

namespace ChatKit.Storage.EfCore.Internal;

/// <summary>
/// This node's copy of conversations' participant ids, each stamped with the conversation row's participant counter
/// when it was read. The counter grows with every membership change (an add reserves join numbers, a removal adds one),
/// in the transaction that makes the change and under the same row lock the append takes. So an append that locks the
/// conversation and finds the counter it cached knows, exactly, that the participants have not changed since, whichever
/// node changed them: the entry is validated by the database at each use, never trusted on its own, and needs no
/// invalidation message between nodes.
/// </summary>
/// <remarks>
/// Bounded by the number of participant ids it holds (<see cref="MaxIds"/>): past that it starts again empty, which only
/// costs the next appends one participant read each.
/// </remarks>
internal sealed class ParticipantCache
{
    /// <summary>The most participant ids held at once (about 50 bytes each, the strings shared with the messages' events).</summary>
    internal const int MaxIds = 200_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _ids;

    /// <summary>The participant ids of a conversation as read at a given participant counter.</summary>
    internal sealed record Entry(long Counter, IReadOnlyList<string> ParticipantIds)
    {
        private volatile bool _audienceStored;

        /// <summary>
        /// Whether a group of this node committed these ids as the audience row of (conversation, <see cref="Counter"/>):
        /// its next appends then write none. Set only after the commit, so a group that rolled back leaves it unset.
        /// </summary>
        public bool AudienceStored
        {
            get => _audienceStored;
            set => _audienceStored = value;
        }
    }

    /// <summary>The cached entry of a conversation, or <see langword="null"/>.</summary>
    public Entry? Find(string conversationId) => _entries.GetValueOrDefault(conversationId);

    /// <summary>Remembers the participants read under the conversation's lock at <paramref name="counter"/>; returns the new entry.</summary>
    public Entry Remember(string conversationId, long counter, IReadOnlyList<string> participantIds)
    {
        if (Interlocked.Add(ref _ids, participantIds.Count) > MaxIds)
        {
            _entries.Clear();
            Volatile.Write(ref _ids, participantIds.Count);
        }

        var entry = new Entry(counter, participantIds);
        _entries.AddOrUpdate(
            conversationId,
            static (_, entry) => entry,
            static (_, existing, entry) => entry.Counter >= existing.Counter ? entry : existing,
            entry);
        return entry;
    }
}
