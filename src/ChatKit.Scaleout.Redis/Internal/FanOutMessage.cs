using System.Text;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.Scaleout.Redis.Internal;

/// <summary>
/// What ChatKit's hub lifetime manager publishes on its one fan-out channel: either an invocation for groups (their names,
/// the connections to leave out, and the invocation serialized once per hub protocol, as SignalR's Redis backplane
/// serializes it), or the addition or removal of another node's connection to or from a group. Each carries the id of the node that published it, which
/// delivered it to its own connections already and ignores its own copy.
/// </summary>
/// <remarks>
/// Layout: kind (1 byte), origin (16 bytes), then for a send: the group names, the excluded connection ids, and
/// (protocol name, bytes) pairs; for an addition or a removal: the connection id and the group name. Counts and lengths are 7-bit
/// encoded integers, strings UTF-8 with their length first (<see cref="BinaryWriter.Write(string)"/>).
/// </remarks>
internal sealed class FanOutMessage
{
    private const byte SendKind = 1;
    private const byte RemovalKind = 2;
    private const byte AdditionKind = 3;

    private FanOutMessage(Guid origin, IReadOnlyList<string> groups, IReadOnlyList<string> excluded, IReadOnlyList<SerializedMessage> messages, string? memberConnectionId, bool added)
    {
        Origin = origin;
        Groups = groups;
        Excluded = excluded;
        Messages = messages;
        MemberConnectionId = memberConnectionId;
        Added = added;
    }

    /// <summary>The node that published it.</summary>
    public Guid Origin { get; }

    /// <summary>The groups addressed (a send), or the one group the connection joins or leaves.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Connections that must not receive the send.</summary>
    public IReadOnlyList<string> Excluded { get; }

    /// <summary>The invocation, once per protocol (empty for an addition or a removal).</summary>
    public IReadOnlyList<SerializedMessage> Messages { get; }

    /// <summary>The connection added to or taken out of <see cref="Groups"/>; <see langword="null"/> for a send.</summary>
    public string? MemberConnectionId { get; }

    /// <summary>Whether <see cref="MemberConnectionId"/> joins the group (otherwise it leaves it).</summary>
    public bool Added { get; }

    public static byte[] Send(Guid origin, IReadOnlyList<string> groups, IReadOnlyList<string> excluded, IReadOnlyList<SerializedMessage> messages)
    {
        using var stream = new MemoryStream(64 + messages.Sum(m => m.Serialized.Length + 16) + (groups.Count * 48));
        using var writer = Start(stream, SendKind, origin);
        WriteStrings(writer, groups);
        WriteStrings(writer, excluded);
        writer.Write7BitEncodedInt(messages.Count);
        foreach (var message in messages)
        {
            writer.Write(message.ProtocolName);
            writer.Write7BitEncodedInt(message.Serialized.Length);
            writer.Write(message.Serialized.Span);
        }

        writer.Flush();
        return stream.ToArray();
    }

    public static byte[] Membership(Guid origin, string connectionId, string groupName, bool added)
    {
        using var stream = new MemoryStream();
        using var writer = Start(stream, added ? AdditionKind : RemovalKind, origin);
        writer.Write(connectionId);
        writer.Write(groupName);
        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>Reads a message; <see langword="null"/> when it is not one (a newer or foreign format).</summary>
    public static FanOutMessage? Read(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        try
        {
            using var stream = new MemoryStream(payload, writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            var kind = reader.ReadByte();
            var origin = new Guid(reader.ReadBytes(16));
            switch (kind)
            {
                case SendKind:
                    var groups = ReadStrings(reader);
                    var excluded = ReadStrings(reader);
                    var messages = new SerializedMessage[reader.Read7BitEncodedInt()];
                    for (var i = 0; i < messages.Length; i++)
                    {
                        var name = reader.ReadString();
                        var length = reader.Read7BitEncodedInt();
                        var start = checked((int)stream.Position);
                        if (length < 0 || length > payload.Length - start)
                        {
                            return null;
                        }

                        // A slice of the payload, not a copy: every connection of this node writes these bytes.
                        messages[i] = new SerializedMessage(name, new ReadOnlyMemory<byte>(payload, start, length));
                        stream.Position = start + length;
                    }

                    return new FanOutMessage(origin, groups, excluded, messages, null, added: false);
                case RemovalKind or AdditionKind:
                    var connectionId = reader.ReadString();
                    var group = reader.ReadString();
                    return new FanOutMessage(origin, [group], [], [], connectionId, added: kind == AdditionKind);
                default:
                    return null;
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException or IOException or ArgumentException)
        {
            return null;
        }
    }

    private static BinaryWriter Start(MemoryStream stream, byte kind, Guid origin)
    {
        var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(kind);
        Span<byte> id = stackalloc byte[16];
        origin.TryWriteBytes(id);
        writer.Write(id);
        return writer;
    }

    private static void WriteStrings(BinaryWriter writer, IReadOnlyList<string> values)
    {
        writer.Write7BitEncodedInt(values.Count);
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    private static string[] ReadStrings(BinaryReader reader)
    {
        var values = new string[reader.Read7BitEncodedInt()];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadString();
        }

        return values;
    }
}
