namespace ChatKit.Client.Internal;

/// <summary>
/// The event ids seen lately, the oldest forgotten first once there are more than the capacity. Used by one thread
/// at a time (the client's dispatch loop).
/// </summary>
internal sealed class EventIdWindow(int capacity)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Records <paramref name="eventId"/>; false when it was seen already.</summary>
    public bool TryAdd(string eventId)
    {
        if (!_ids.Add(eventId))
        {
            return false;
        }

        _order.Enqueue(eventId);
        while (_order.Count > capacity)
        {
            _ids.Remove(_order.Dequeue());
        }

        return true;
    }
}
