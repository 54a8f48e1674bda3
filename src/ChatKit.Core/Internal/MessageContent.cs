using System.Globalization;

namespace ChatKit.Internal;

/// <summary>The rule for a message's content, the same for a client's text and a filter's rewrite.</summary>
internal static class MessageContent
{
    /// <summary>Normalises <paramref name="raw"/> and checks it: not empty, a visible character, at most <paramref name="maxLength"/>.</summary>
    /// <exception cref="ChatException"><c>validation_failed</c> on the <c>content</c> field.</exception>
    public static string Normalize(string raw, int maxLength)
    {
        var content = ContentNormalizer.Normalize(raw);
        if (content.Length == 0)
        {
            throw ChatException.Validation("content", "content is empty");
        }

        if (!ContentNormalizer.HasVisible(content))
        {
            throw ChatException.Validation("content", "content has no visible character");
        }

        if (content.Length > maxLength)
        {
            throw ChatException.Validation("content", string.Create(CultureInfo.InvariantCulture, $"content has at most {maxLength} characters"));
        }

        return content;
    }
}
