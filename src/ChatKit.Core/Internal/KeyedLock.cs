namespace ChatKit.Internal;

/// <summary>
/// One asynchronous lock per key, created on first use and dropped when nobody holds or waits for it, so a node keeps
/// no state for keys that are idle.
/// </summary>
internal sealed class KeyedLock
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Waits for the key's lock; dispose the result to release it.</summary>
    public async ValueTask<Releaser> AcquireAsync(string key)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries.Add(key, entry);
            }

            entry.References++;
        }

        await entry.Semaphore.WaitAsync().ConfigureAwait(false);
        return new Releaser(this, key, entry);
    }

    private void Release(string key, Entry entry)
    {
        entry.Semaphore.Release();
        lock (_entries)
        {
            if (--entry.References == 0)
            {
                _entries.Remove(key);
                entry.Semaphore.Dispose();
            }
        }
    }

    /// <summary>Holds a key's lock until disposed.</summary>
    internal readonly struct Releaser(KeyedLock owner, string key, Entry entry) : IDisposable
    {
        public void Dispose() => owner.Release(key, entry);
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int References { get; set; }
    }
}
