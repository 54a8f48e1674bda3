using System.Buffers;
using System.Globalization;
using System.Text;

namespace ChatKit.Internal;

/// <summary>
/// ChatKit's text rules, applied to every string a client or a token supplies before anything is stored:
/// <list type="bullet">
/// <item>text that is not well-formed UTF-16 (an unpaired surrogate) is refused: no store can hold it faithfully;</item>
/// <item>content loses its control characters other than newline and tab, and single-line text (names) loses those too;</item>
/// <item>the bidirectional embedding, override and isolate controls (U+202A..U+202E, U+2066..U+2069) are removed, so text
/// cannot display in an order other than the one it is stored in;</item>
/// <item>what is left is NFC-normalised and trimmed, and must have at least one visible character;</item>
/// <item>ids are never rewritten (they are compared exactly): one with a control, format or separator character, or
/// blank, or too long, is refused.</item>
/// </list>
/// </summary>
internal static class ContentNormalizer
{
    private static readonly char[] BidiControls = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'];

    // Unicode category Cc (U+0000..U+001F and U+007F..U+009F) less '\t' and '\n', and the bidi controls.
    private static readonly SearchValues<char> RemovedFromContent = SearchValues.Create(
        [.. Enumerable.Range(0, 0xA0).Select(i => (char)i).Where(c => char.IsControl(c) && c != '\n' && c != '\t'), .. BidiControls]);

    // Every Cc, and the bidi controls.
    private static readonly SearchValues<char> RemovedFromLine = SearchValues.Create(
        [.. Enumerable.Range(0, 0xA0).Select(i => (char)i).Where(char.IsControl), .. BidiControls]);

    // Letters that render as nothing although their category says otherwise (Hangul fillers, the blank Braille cell).
    private static readonly SearchValues<char> Blanks = SearchValues.Create(['\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800']);

    /// <summary>Normalises message content; throws <c>validation_failed</c> on <paramref name="field"/> for text that is not well-formed.</summary>
    public static string Normalize(string content, string field = "content") => Clean(content, RemovedFromContent, field);

    /// <summary>Normalises single-line text such as a group name.</summary>
    public static string NormalizeLine(string text, string field) => Clean(text, RemovedFromLine, field);

    /// <summary>
    /// The display name to show and store for a user: the token's name normalised as a line and cut to
    /// <paramref name="maxLength"/>, or <paramref name="fallback"/> (the user id) when nothing visible is left.
    /// </summary>
    public static string DisplayName(string? name, string fallback, int maxLength)
    {
        if (string.IsNullOrEmpty(name))
        {
            return fallback;
        }

        // Bound the work before normalising: a 100 KB claim costs no more than a long name.
        if (name.Length > maxLength * 4)
        {
            name = Cut(name, maxLength * 4);
        }

        if (!IsWellFormed(name))
        {
            return fallback;
        }

        var clean = Clean(name, RemovedFromLine, "name");
        if (!HasVisible(clean))
        {
            return fallback;
        }

        return clean.Length <= maxLength ? clean : Cut(clean, maxLength).TrimEnd();
    }

    /// <summary>Whether <paramref name="id"/> may be used as an id: not blank, at most <paramref name="maxLength"/> characters, well-formed, no control, format or line/paragraph separator character.</summary>
    public static bool IsValidId(string? id, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > maxLength || !IsWellFormed(id))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c < 0x20 || (c >= 0x7F && char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the text has no unpaired surrogate.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return true;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the text has a character that shows: anything but whitespace, controls, format characters, lone combining marks and blank letters.</summary>
    public static bool HasVisible(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            switch (Rune.GetUnicodeCategory(rune))
            {
                case UnicodeCategory.Control:
                case UnicodeCategory.Format:
                case UnicodeCategory.SpaceSeparator:
                case UnicodeCategory.LineSeparator:
                case UnicodeCategory.ParagraphSeparator:
                case UnicodeCategory.NonSpacingMark:
                case UnicodeCategory.EnclosingMark:
                case UnicodeCategory.Surrogate:
                    continue;
                default:
                    if (rune.IsBmp && Blanks.Contains((char)rune.Value))
                    {
                        continue;
                    }

                    return true;
            }
        }

        return false;
    }

    private static string Clean(string text, SearchValues<char> removed, string field)
    {
        if (!IsWellFormed(text))
        {
            throw ChatException.Validation(field, $"{field} is not valid text (it has an unpaired surrogate)");
        }

        var span = text.AsSpan();
        var first = span.IndexOfAny(removed);
        var result = first < 0 ? text : Remove(span, first, removed);
        try
        {
            if (!result.IsNormalized(NormalizationForm.FormC))
            {
                result = result.Normalize(NormalizationForm.FormC);
            }
        }
        catch (ArgumentException)
        {
            throw ChatException.Validation(field, $"{field} is not valid text");
        }

        return result.Trim();
    }

    private static string Remove(ReadOnlySpan<char> span, int first, SearchValues<char> removed)
    {
        var buffer = ArrayPool<char>.Shared.Rent(span.Length);
        try
        {
            span[..first].CopyTo(buffer);
            var written = first;
            foreach (var c in span[first..])
            {
                if (!removed.Contains(c))
                {
                    buffer[written++] = c;
                }
            }

            return new string(buffer, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>The first <paramref name="length"/> characters, one fewer when that would split a surrogate pair.</summary>
    private static string Cut(string text, int length) =>
        char.IsHighSurrogate(text[length - 1]) ? text[..(length - 1)] : text[..length];
}
