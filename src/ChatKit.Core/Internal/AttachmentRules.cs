using System.Text;

namespace ChatKit.Internal;

/// <summary>The rules for an upload's media type and file name.</summary>
internal static class AttachmentRules
{
    /// <summary>The image types a browser may show inline: their bytes are checked, and nothing else is ever inline.</summary>
    public static readonly IReadOnlySet<string> SafeImageTypes =
        new HashSet<string>(StringComparer.Ordinal) { "image/png", "image/jpeg", "image/gif", "image/webp" };

    /// <summary>
    /// The type an upload is kept as: an image's own type (from its bytes) wins over the declared one; a declared safe
    /// image type whose bytes are not that image is refused; then the type must be allowed.
    /// </summary>
    public static string ResolveContentType(string? declared, string? detected, IEnumerable<string> allowed)
    {
        var type = Normalize(declared);
        if (detected is not null)
        {
            type = detected;
        }
        else if (SafeImageTypes.Contains(type))
        {
            throw new ChatException(ChatErrorCode.UnsupportedMediaType, $"the file is not a readable {type} image");
        }

        if (!IsAllowed(type, allowed))
        {
            throw new ChatException(ChatErrorCode.UnsupportedMediaType, $"attachments of type {type} are not allowed");
        }

        return type;
    }

    public static bool IsAllowed(string type, IEnumerable<string> allowed)
    {
        foreach (var entry in allowed)
        {
            var e = entry.Trim().ToLowerInvariant();
            if (e == type || (e.EndsWith("/*", StringComparison.Ordinal) && type.StartsWith(e[..^1], StringComparison.Ordinal)) || e == "*/*")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A media type in lower case without parameters; anything malformed is <c>application/octet-stream</c>.</summary>
    public static string Normalize(string? contentType)
    {
        var type = (contentType ?? string.Empty).Split(';', 2)[0].Trim().ToLowerInvariant();
        var slash = type.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == type.Length - 1 || type.IndexOf('/', slash + 1) >= 0 || type.Length > 127)
        {
            return "application/octet-stream";
        }

        foreach (var c in type)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '+' or '-' or '_'))
            {
                return "application/octet-stream";
            }
        }

        return type;
    }

    /// <summary>
    /// The last segment of the client's name, without control, format or path characters, trimmed of dots and spaces,
    /// shortened keeping its extension; <c>file</c> when nothing is left.
    /// </summary>
    public static string SanitizeFileName(string? name, string contentType, int maxLength)
    {
        var raw = name ?? string.Empty;
        var last = raw.LastIndexOfAny(['/', '\\']);
        if (last >= 0)
        {
            raw = raw[(last + 1)..];
        }

        var clean = new StringBuilder(raw.Length);
        foreach (var rune in raw.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsControl(rune) || category is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.Surrogate
                or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
                || rune.Value is '"' or '<' or '>' or ':' or '|' or '?' or '*')
            {
                continue;
            }

            clean.Append(rune.ToString());
        }

        var result = clean.ToString().Trim().Trim('.', ' ');
        if (result.Length == 0)
        {
            result = "file" + DefaultExtension(contentType);
        }

        if (result.Length > maxLength)
        {
            var dot = result.LastIndexOf('.');
            var extension = dot > 0 && result.Length - dot <= 16 ? result[dot..] : string.Empty;
            var stem = result[..(maxLength - extension.Length)];
            if (stem.Length > 0 && char.IsHighSurrogate(stem[^1]))
            {
                stem = stem[..^1];
            }

            result = stem + extension;
        }

        return result;
    }

    private static string DefaultExtension(string contentType) => contentType switch
    {
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        "application/pdf" => ".pdf",
        "text/plain" => ".txt",
        _ => string.Empty,
    };
}
