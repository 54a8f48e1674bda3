using ChatKit.Storage;
using System.Globalization;
using System.Text;

namespace ChatKit.Internal;

/// <summary>Makes ids and timestamps the way every store can keep them unchanged.</summary>
internal static class Ids
{
    public static string NewConversationId(DateTimeOffset now) => "c_" + Guid.CreateVersion7(now).ToString("N");

    public static string NewMessageId(DateTimeOffset now) => "m_" + Guid.CreateVersion7(now).ToString("N");

    public static string NewEventId(DateTimeOffset now) => "e_" + Guid.CreateVersion7(now).ToString("N");

    /// <summary>The current UTC time truncated to milliseconds, the precision every backend keeps.</summary>
    public static DateTimeOffset Now(TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    public static string EncodeCursor(ConversationPosition position)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{position.LastActivityAt.UtcTicks}.{position.ConversationId}");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static ConversationPosition? DecodeCursor(string cursor)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot == text.Length - 1
                || !long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return null;
            }

            return new ConversationPosition(new DateTimeOffset(ticks, TimeSpan.Zero), text[(dot + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
