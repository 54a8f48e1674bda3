using System.Collections.Concurrent;
using System.Globalization;
using ChatKit.Benchmarks.Wire;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace ChatKit.Benchmarks.Servers;

/// <summary>How the baseline fans a message out.</summary>
internal enum BaselineFanout
{
    /// <summary><c>Clients.Group(room)</c>: every member's connections join the room's group.</summary>
    Groups,

    /// <summary><c>Clients.Users(members)</c>: SignalR scans every connection against the member list.</summary>
    Users,
}

/// <summary>
/// The baseline's whole state: rooms and who is connected. No storage, no rules beyond "the room exists".
/// </summary>
internal sealed class BaselineState(BaselineFanout fanout, BaselineStore? store = null)
{
    private long _nextId;

    public BaselineFanout Fanout { get; } = fanout;

    /// <summary>Where <c>baseline-durable</c> stores each message before acknowledging it; null for the bare baseline.</summary>
    public BaselineStore? Store { get; } = store;

    public ConcurrentDictionary<string, Room> Rooms { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, Room> DirectRooms { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> ConnectionsByUser { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> RoomsByUser { get; } = new(StringComparer.Ordinal);

    public string NextId(string prefix) =>
        prefix + Interlocked.Increment(ref _nextId).ToString("x16", CultureInfo.InvariantCulture);

    internal sealed class Room(string id, string type, string? name, string createdBy, string[] members)
    {
        private long _seq;

        public string Id { get; } = id;

        public string Type { get; } = type;

        public string? Name { get; } = name;

        public string CreatedBy { get; } = createdBy;

        public string[] Members { get; } = members;

        public long LastSeq => Volatile.Read(ref _seq);

        public long NextSeq() => Interlocked.Increment(ref _seq);

        public ConversationDto ToDto() =>
            new(Id, Type, Name, [.. Members.Select(m => new ParticipantDto(m, m == CreatedBy && Type == "group" ? "owner" : "member"))], LastSeq);
    }
}

/// <summary>
/// The baseline: a bare SignalR hub doing ChatKit's delivery (send, server, fan-out of <c>newMessage</c> to every
/// member's connections, <c>messageSent</c> and the ack to the sender) with the same JSON shapes, and nothing else.
/// </summary>
[Authorize]
internal sealed class BaselineHub(BaselineState state) : Hub
{
    public override async Task OnConnectedAsync()
    {
        var user = Context.UserIdentifier!;
        state.ConnectionsByUser.GetOrAdd(user, _ => new(StringComparer.Ordinal))[Context.ConnectionId] = 0;
        if (state.Fanout == BaselineFanout.Groups && state.RoomsByUser.TryGetValue(user, out var rooms))
        {
            foreach (var room in rooms.Keys)
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, room).ConfigureAwait(false);
            }
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (state.ConnectionsByUser.TryGetValue(Context.UserIdentifier!, out var connections))
        {
            connections.TryRemove(Context.ConnectionId, out _);
        }

        return Task.CompletedTask;
    }

    public async Task<ConversationDto> CreateConversation(CreateConversationArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var caller = Context.UserIdentifier!;
        string[] members = [caller, .. args.ParticipantIds.Where(p => p != caller).Distinct(StringComparer.Ordinal)];
        BaselineState.Room room;
        if (args.Type == "direct")
        {
            var key = string.CompareOrdinal(members[0], members[1]) < 0 ? members[0] + "|" + members[1] : members[1] + "|" + members[0];
            room = state.DirectRooms.GetOrAdd(key, _ => new BaselineState.Room(state.NextId("c_"), "direct", null, caller, members));
            if (room.CreatedBy != caller || state.Rooms.ContainsKey(room.Id))
            {
                return room.ToDto();
            }
        }
        else
        {
            room = new BaselineState.Room(state.NextId("c_"), "group", args.Name, caller, members);
        }

        state.Rooms[room.Id] = room;
        foreach (var member in members)
        {
            state.RoomsByUser.GetOrAdd(member, _ => new(StringComparer.Ordinal))[room.Id] = 0;
            if (state.Fanout == BaselineFanout.Groups && state.ConnectionsByUser.TryGetValue(member, out var connections))
            {
                foreach (var connection in connections.Keys)
                {
                    await Groups.AddToGroupAsync(connection, room.Id).ConfigureAwait(false);
                }
            }
        }

        return room.ToDto();
    }

    public ConversationDto JoinRoom(RoomArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return Find(args.ConversationId).ToDto();
    }

    public async Task<SendAck> SendMessage(SendMessageArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var room = Find(args.ConversationId);
        var caller = Context.UserIdentifier!;
        var now = DateTime.UtcNow;
        var message = new MessageDto(state.NextId("m_"), room.Id, room.NextSeq(), new SenderDto(caller, caller), args.Content, "text", args.TempId, now, null, null);
        if (state.Store is { } store)
        {
            await store.InsertAsync(message.Id, room.Id, caller, args.Content, args.TempId, now).ConfigureAwait(false);
        }

        await Clients.Caller.SendAsync("messageSent", new MessageSentEvent(args.TempId, message.Id)).ConfigureAwait(false);
        var payload = new NewMessageEvent(message, room.Id);
        var targets = state.Fanout == BaselineFanout.Groups ? Clients.Group(room.Id) : Clients.Users(room.Members);
        await targets.SendAsync("newMessage", payload).ConfigureAwait(false);
        return new SendAck(args.TempId, message.Id, message.Seq, now);
    }

    private BaselineState.Room Find(string conversationId) =>
        state.Rooms.TryGetValue(conversationId, out var room)
            ? room
            : throw new HubException($"not_found: conversation {conversationId} does not exist");

    internal sealed record RoomArgs(string ConversationId);
}
