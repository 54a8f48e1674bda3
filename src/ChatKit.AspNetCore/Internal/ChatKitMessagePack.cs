using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// The MessagePack hub protocol of ChatKit's hub alone: SignalR's own <see cref="MessagePackHubProtocol"/>, with a resolver
/// that writes ChatKit's wire types under the contract's names (the <c>[JsonPropertyName]</c>s the JSON protocol uses:
/// <c>conversationId</c>, not <c>ConversationId</c>), nulls included, dates as MessagePack timestamps, and reads the calls'
/// arguments by those names. Everything else (strings, lists of ids) goes to MessagePack's contractless resolver, as with
/// SignalR's default options. The host's other hubs never see it.
/// </summary>
internal static class ChatKitMessagePack
{
    /// <summary>The protocol's name in the handshake.</summary>
    public const string ProtocolName = "messagepack";

    /// <summary>The serializer options: ChatKit's wire types first, then what SignalR's default options resolve.</summary>
    public static readonly MessagePackSerializerOptions SerializerOptions = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(WireFormatterResolver.Instance, ContractlessStandardResolver.Instance))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>A new protocol instance with ChatKit's serializer options.</summary>
    public static IHubProtocol CreateProtocol() =>
        new MessagePackHubProtocol(Options.Create(new MessagePackHubProtocolOptions { SerializerOptions = SerializerOptions }));
}

/// <summary>Resolves the types of ChatKit.AspNetCore (the wire DTOs, event payloads and call arguments) to <see cref="WireFormatter{T}"/>.</summary>
internal sealed class WireFormatterResolver : IFormatterResolver
{
    public static readonly WireFormatterResolver Instance = new();

    /// <summary>
    /// The names and shapes of the JSON protocol (the wire types name every property), read the way SignalR's JSON
    /// protocol reads: property names case-insensitive.
    /// </summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General)
    {
        PropertyNameCaseInsensitive = true,
        MaxDepth = 64,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = Create();

        private static IMessagePackFormatter<T>? Create()
        {
            var type = typeof(T);
            if (type.Assembly == typeof(WireFormatterResolver).Assembly && type.IsClass && !type.IsAbstract)
            {
                return new WireFormatter<T>();
            }

            // A list of ids built by a collection expression (`[.. ids]`) is of a compiler-generated type that MessagePack's
            // contractless resolver cannot construct; SignalR serialises a hub result or event argument by its runtime type.
            if (!type.IsVisible && type != typeof(string)
                && type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) is { } enumerable)
            {
                return (IMessagePackFormatter<T>)Activator.CreateInstance(typeof(WrittenListFormatter<,>).MakeGenericType(type, enumerable.GetGenericArguments()[0]))!;
            }

            return null;
        }
    }
}

/// <summary>Writes a collection of a type no one can read back (compiler-generated) as a MessagePack array.</summary>
internal sealed class WrittenListFormatter<TList, TItem> : IMessagePackFormatter<TList>
    where TList : IEnumerable<TItem>
{
    public void Serialize(ref MessagePackWriter writer, TList value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        var items = value as IReadOnlyCollection<TItem> ?? [.. value];
        var formatter = options.Resolver.GetFormatterWithVerify<TItem>();
        writer.WriteArrayHeader(items.Count);
        foreach (var item in items)
        {
            formatter.Serialize(ref writer, item, options);
        }
    }

    public TList Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        throw new MessagePackSerializationException($"{typeof(TList)} is written only, never read");
}

/// <summary>
/// Writes a wire type as a map of its JSON properties (each value through the options' resolver, so nested wire types,
/// dates and lists are MessagePack's own), and reads one by turning the map into JSON for <see cref="JsonSerializer"/>,
/// so a call's arguments bind exactly as they do over JSON (required properties, records, case-insensitive names).
/// </summary>
internal sealed class WireFormatter<T> : IMessagePackFormatter<T>
{
    private static readonly ConcurrentDictionary<Type, Property[]> Properties = new();

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        var properties = Properties.GetOrAdd(value.GetType(), PropertiesOf);
        writer.WriteMapHeader(properties.Length);
        foreach (var property in properties)
        {
            writer.Write(property.Name);
            var propertyValue = property.Get(value);
            if (propertyValue is null)
            {
                writer.WriteNil();
            }
            else
            {
                MessagePackSerializer.Serialize(property.Type, ref writer, propertyValue, options);
            }
        }
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return default!;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            Copy(ref reader, json, options);
        }

        return JsonSerializer.Deserialize<T>(buffer.WrittenSpan, WireFormatterResolver.Json)!;
    }

    private static Property[] PropertiesOf(Type type) =>
        [.. WireFormatterResolver.Json.GetTypeInfo(type).Properties
            .Where(p => p.Get is not null)
            .Select(p => new Property(p.Name, p.PropertyType, p.Get!))];

    /// <summary>Copies one MessagePack value as JSON: maps with string keys, arrays, scalars; a timestamp as an ISO 8601 string.</summary>
    private static void Copy(ref MessagePackReader reader, Utf8JsonWriter json, MessagePackSerializerOptions options)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Map:
                options.Security.DepthStep(ref reader);
                try
                {
                    var count = reader.ReadMapHeader();
                    json.WriteStartObject();
                    for (var i = 0; i < count; i++)
                    {
                        if (reader.NextMessagePackType != MessagePackType.String)
                        {
                            throw new MessagePackSerializationException("a map key of a ChatKit argument is not a string");
                        }

                        json.WritePropertyName(reader.ReadString()!);
                        Copy(ref reader, json, options);
                    }

                    json.WriteEndObject();
                }
                finally
                {
                    reader.Depth--;
                }

                break;
            case MessagePackType.Array:
                options.Security.DepthStep(ref reader);
                try
                {
                    var count = reader.ReadArrayHeader();
                    json.WriteStartArray();
                    for (var i = 0; i < count; i++)
                    {
                        Copy(ref reader, json, options);
                    }

                    json.WriteEndArray();
                }
                finally
                {
                    reader.Depth--;
                }

                break;
            case MessagePackType.Nil:
                reader.ReadNil();
                json.WriteNullValue();
                break;
            case MessagePackType.Boolean:
                json.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePackCode.UInt64)
                {
                    json.WriteNumberValue(reader.ReadUInt64());
                }
                else
                {
                    json.WriteNumberValue(reader.ReadInt64());
                }

                break;
            case MessagePackType.Float:
                json.WriteNumberValue(reader.ReadDouble());
                break;
            case MessagePackType.String:
                json.WriteStringValue(reader.ReadString());
                break;
            case MessagePackType.Extension when reader.CreatePeekReader().ReadExtensionFormatHeader().TypeCode == ReservedMessagePackExtensionTypeCode.DateTime:
                json.WriteStringValue(reader.ReadDateTime());
                break;
            default:
                throw new MessagePackSerializationException($"a ChatKit argument holds a MessagePack {reader.NextMessagePackType}, which the contract has no use for");
        }
    }

    private sealed record Property(string Name, Type Type, Func<object, object?> Get);
}
