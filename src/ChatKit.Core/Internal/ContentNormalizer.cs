using System.Buffers;

namespace ChatKit.Internal;

/// <summary>Normalises message content: control characters other than newline and tab removed, then trimmed.</summary>
internal static class ContentNormalizer
{
    // Unicode category Cc: U+0000..U+001F and U+007F..U+009F, less '\t' and '\n'.
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        [.. Enumerable.Range(0, 0xA0).Select(i => (char)i).Where(c => char.IsControl(c) && c != '\n' && c != '\t')]);

    public static string Normalize(string content)
    {
        var span = content.AsSpan();
        var first = span.IndexOfAny(Controls);
        if (first < 0)
        {
            // Common path: nothing to remove, at most a trim.
            return content.Trim();
        }

        var buffer = ArrayPool<char>.Shared.Rent(span.Length);
        try
        {
            span[..first].CopyTo(buffer);
            var written = first;
            foreach (var c in span[first..])
            {
                if (!Controls.Contains(c))
                {
                    buffer[written++] = c;
                }
            }

            return buffer.AsSpan(0, written).Trim().ToString();
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }
}
