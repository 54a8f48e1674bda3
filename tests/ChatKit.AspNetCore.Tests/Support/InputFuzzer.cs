using System.Globalization;
using System.Text;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>
/// Malformed and boundary inputs from a fixed seed: odd strings (NUL, unpaired surrogates, bidi and zero-width
/// characters, combining storms, huge and empty ones), JSON values of every type (deep nesting and huge arrays
/// included), written as JSON text by hand so that anything, an escaped unpaired surrogate too, reaches the server.
/// </summary>
public sealed class InputFuzzer(int seed)
{
    /// <summary>Strings chosen to break naive code: each is sent as it is, and inside random text.</summary>
    public static readonly string[] OddStrings =
    [
        "", " ", "\t\n\r", "\u0000", "a\u0000b", "\uD800", "\uDC00x", "x\uD83D", "\u200B\u200B", "\u202Egnp.exe",
        "\u2066\u2069", "\uFEFF", "\uFFFF", "\uFFFE", "e" + new string('\u0301', 300), "\U0001F600\U0001F468\u200D\U0001F469",
        "\u3164", "\u2800", "مرحبا", "𝕏𝕐", "cafe\u0301", "%00", "../../etc/passwd", "<script>alert(1)</script>",
        "' OR 1=1 --", "$where", "{\"$gt\":\"\"}", "\\", "\"", "null", "true", "-1", "1e309", "c_", "m_", "\u0085\u2028\u2029",
        new string('x', 129), new string('y', 10_000), new string('界', 2_000), new string('\u200B', 5_000),
    ];

    private readonly Random _random = new(seed);

    /// <summary>
    /// How deep the deeply nested value goes. 100 by default, beyond System.Text.Json's 64; callers fuzzing SignalR's
    /// JSON protocol lower it, since that protocol treats a frame nested deeper than 64 as malformed and closes the connection.
    /// </summary>
    public int Nesting { get; set; } = 100;

    /// <summary>A value between 0 (inclusive) and <paramref name="max"/> (exclusive).</summary>
    public int Next(int max) => _random.Next(max);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => _random.NextDouble() < p;

    /// <summary>One of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>An odd, random, huge or empty string.</summary>
    public string String() => _random.Next(10) switch
    {
        0 or 1 or 2 => Pick(OddStrings),
        3 or 4 => Ascii(_random.Next(1, 40)),
        5 or 6 => Unicode(_random.Next(1, 60)),
        7 => Pick(OddStrings) + Ascii(5) + Pick(OddStrings),
        8 => new string((char)('a' + _random.Next(26)), _random.Next(100, 5_000)),
        _ => "hello " + Ascii(3),
    };

    /// <summary>Any JSON value, as text.</summary>
    public string JsonValue(int depth = 0) => _random.Next(depth > 2 ? 7 : 12) switch
    {
        0 => "null",
        1 => Pick(["true", "false"]),
        2 => Pick(["0", "-1", "1.5", "1e308", "-0", "9223372036854775807", "123456789012345678901234567890", "2147483648"]),
        3 or 4 or 5 or 6 => Quote(String()),
        7 => "[" + string.Join(",", Enumerable.Range(0, _random.Next(0, 5)).Select(_ => JsonValue(depth + 1))) + "]",
        8 => Object(depth + 1, Pick(["a", "conversationId", "content", "$type", "__proto__", "participantIds", "x".PadLeft(300, 'x')])),
        9 => HugeArray(),
        10 => new string('[', Nesting) + new string(']', Nesting),
        _ => "{}",
    };

    /// <summary>A huge array of small values, under the hub's 32 KB frame with room to spare.</summary>
    public string HugeArray() => _random.Next(2) == 0
        ? "[" + string.Join(",", Enumerable.Range(0, 3_000)) + "]"
        : "[" + string.Join(",", Enumerable.Range(0, 2_500).Select(i => Quote("u" + i.ToString(CultureInfo.InvariantCulture)))) + "]";

    /// <summary>A JSON object with the given fields set to <paramref name="value"/>'s values and, sometimes, extra fields.</summary>
    public string Object(int depth, params string[] fields)
    {
        var members = fields.Select(f => Quote(f) + ":" + JsonValue(depth + 1)).ToList();
        if (Chance(0.3))
        {
            members.Add(Quote(Pick(["extra", "isAdmin", "senderId", "seq", "id", "role"])) + ":" + JsonValue(depth + 1));
        }

        return "{" + string.Join(",", members) + "}";
    }

    /// <summary>A JSON string literal; unpaired surrogates and controls are written as \u escapes, so any string can be sent.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c == '"' || c == '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c < 0x20 || char.IsSurrogate(c) || c == '\u2028' || c == '\u2029')
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>Percent-encodes any string for a URL path or query; an unpaired surrogate becomes its (invalid) 3-byte form.</summary>
    public static string PercentEncode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            byte[] bytes;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                bytes = Encoding.UTF8.GetBytes(value.Substring(i++, 2));
            }
            else if (char.IsSurrogate(c))
            {
                bytes = [(byte)(0xE0 | (c >> 12)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F))];
            }
            else
            {
                bytes = Encoding.UTF8.GetBytes(c.ToString());
            }

            foreach (var b in bytes)
            {
                if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_')
                {
                    builder.Append((char)b);
                }
                else
                {
                    builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
        }

        return builder.ToString();
    }

    private string Ascii(int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => (char)_random.Next(0x20, 0x7F))]);

    private string Unicode(int length)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            builder.Append(_random.Next(8) switch
            {
                0 => (char)_random.Next(0, 0x20),
                1 => (char)_random.Next(0xD800, 0xE000),
                2 => Pick(['\u200B', '\u200E', '\u202A', '\u202E', '\u2066', '\u2069', '\uFEFF', '\u00AD', '\u0301']),
                3 => (char)_random.Next(0x0590, 0x0700),
                4 => (char)_random.Next(0x4E00, 0x9FFF),
                _ => (char)_random.Next(0x20, 0x7F),
            });
        }

        return builder.ToString();
    }
}
