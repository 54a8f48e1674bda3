using ChatKit.Client.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace ChatKit.Client.Tests;

/// <summary>
/// Every typed method against a real host, each observed through the other user's typed event: the DTOs read every
/// payload of the contract (v1 and v2) as the server writes it.
/// </summary>
public sealed class TypedApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("chatkit-client-api-").FullName;
    private ClientTestNode _node = null!;

    public async ValueTask InitializeAsync() =>
        _node = await ClientTestNode.StartAsync(o => o.UseSqlite($"Data Source={Path.Combine(_directory, "chat.db")}"));

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    [Fact]
    public async Task EveryMethod_ReachesTheOtherUser_AsItsTypedEvent()
    {
        var (aliceId, bobId, carolId) = (User("alice"), User("bob"), User("carol"));
        await using var alice = _node.Client(aliceId);
        await using var bob = _node.Client(bobId);
        var bobSees = new AppStream(bob);
        await alice.StartAsync();
        await bob.StartAsync();

        var created = Next<Conversation>(h => bob.ConversationCreated += h);
        var group = await alice.CreateConversationAsync(ConversationType.Group, [bobId], "Team");
        Assert.Equal("Team", (await created).Name);
        Assert.Equal(ParticipantRole.Owner, group.Participants.Single(p => p.UserId == aliceId).Role);

        var ack = await alice.SendMessageAsync(group.Id, "hello");
        await bobSees.WaitForAsync(group.Id, "hello", Wait);
        Assert.Equal(ack.MessageId, bobSees.Messages(group.Id).Single().Id);
        Assert.Equal(aliceId.ToUpperInvariant(), bobSees.Messages(group.Id).Single().Sender.Name);

        var reacted = Next<ReactionEvent>(h => alice.ReactionAdded += h);
        var withReaction = await bob.AddReactionAsync(ack.MessageId, "👍");
        Assert.Equal((bobId, "👍"), ((await reacted).UserId, (await reacted).Emoji));
        Assert.Equal([bobId], withReaction.Reactions!.Single().UserIds);

        var unreacted = Next<ReactionEvent>(h => alice.ReactionRemoved += h);
        await bob.RemoveReactionAsync(ack.MessageId, "👍");
        Assert.Equal(ack.MessageId, (await unreacted).MessageId);

        var edited = Next<MessageUpdatedEvent>(h => bob.MessageUpdated += h);
        await alice.EditMessageAsync(ack.MessageId, "hello, edited");
        var edit = await edited;
        Assert.Equal("hello, edited", edit.Message.Content);
        Assert.NotNull(edit.Message.EditedAt);

        var delivered = Next<MessageDeliveredEvent>(h => alice.MessageDelivered += h);
        await bob.MarkAsDeliveredAsync(group.Id, 1);
        Assert.Equal((bobId, 1L), ((await delivered).UserId, (await delivered).Seq));

        var read = Next<MessageReadEvent>(h => alice.MessageRead += h);
        await bob.MarkAsReadAsync(group.Id, ack.MessageId);
        Assert.Equal(bobId, (await read).ReadBy);

        var conversationRead = Next<ConversationReadEvent>(h => alice.ConversationRead += h);
        await bob.MarkConversationAsReadAsync(group.Id);
        Assert.Equal(bobId, (await conversationRead).ReadBy);

        var until = DateTimeOffset.UtcNow.AddHours(1);
        var muted = await bob.MuteConversationAsync(group.Id, until);
        Assert.Equal(until.ToUnixTimeMilliseconds() / 1000, muted.MutedUntil!.Value.ToUnixTimeMilliseconds() / 1000);
        Assert.Equal(DateTimeOffset.MaxValue.Year, (await bob.MuteConversationAsync(group.Id)).MutedUntil!.Value.Year);
        Assert.NotNull((await bob.GetConversationAsync(group.Id)).MutedUntil);
        Assert.Null((await alice.GetConversationAsync(group.Id)).MutedUntil); // the mute is Bob's own
        Assert.Null((await bob.UnmuteConversationAsync(group.Id)).MutedUntil);

        var roleChanged = Next<Conversation>(h => bob.ConversationUpdated += h);
        await alice.SetRoleAsync(group.Id, bobId, ParticipantRole.Admin);
        Assert.Equal(ParticipantRole.Admin, (await roleChanged).Participants.Single(p => p.UserId == bobId).Role);

        var renamed = Next<Conversation>(h => bob.ConversationUpdated += h);
        await alice.UpdateConversationAsync(group.Id, name: "Launch");
        Assert.Equal("Launch", (await renamed).Name);

        var added = Next<ParticipantsAddedEvent>(h => bob.ParticipantsAdded += h);
        await alice.AddParticipantsAsync(group.Id, [carolId]);
        Assert.Equal([carolId], (await added).UserIds);

        var removed = Next<ParticipantRemovedEvent>(h => bob.ParticipantRemoved += h);
        await alice.RemoveParticipantAsync(group.Id, carolId);
        Assert.Equal(carolId, (await removed).UserId);

        await alice.JoinRoomAsync(group.Id);
        await bob.JoinRoomAsync(group.Id);
        var typing = Next<UserTypingEvent>(h => bob.UserTyping += h);
        await alice.TypingAsync(group.Id);
        Assert.Equal(aliceId, (await typing).UserId);
        var stopped = Next<UserStoppedTypingEvent>(h => bob.UserStoppedTyping += h);
        await alice.StopTypingAsync(group.Id);
        Assert.Equal(aliceId, (await stopped).UserId);

        // Rooms are per connection: after a reconnect the client joins them again by itself.
        var caughtUp = Next<EventArgs>(h => bob.CaughtUp += h);
        Assert.Equal(1, _node.Connections.Abort(bobId));
        await caughtUp;
        var typingAgain = Next<UserTypingEvent>(h => bob.UserTyping += h);
        await alice.TypingAsync(group.Id);
        Assert.Equal(aliceId, (await typingAgain).UserId);
        await alice.StopTypingAsync(group.Id);
        Assert.Contains(bobId, await alice.GetOnlineUsersAsync());

        var deleted = Next<MessageDeletedEvent>(h => bob.MessageDeleted += h);
        await alice.DeleteMessageAsync(ack.MessageId);
        Assert.Equal(ack.MessageId, (await deleted).MessageId);

        // The system messages (role change, rename, added, removed) reached Bob in order, typed.
        var left = Next<ParticipantRemovedEvent>(h => alice.ParticipantRemoved += h);
        await bob.LeaveConversationAsync(group.Id);
        Assert.Equal(bobId, (await left).UserId);
        var history = await alice.GetMessagesAsync(group.Id);
        var system = history.Items.Where(m => m.Type == MessageType.System).Select(m => m.System!.Event).ToList();
        Assert.Equal(["role_changed", "conversation_renamed", "participants_added", "participant_removed", "participant_left"], system);
        Assert.Equal(history.Items.Take(5).Select(m => m.Id), bobSees.Messages(group.Id).Select(m => m.Id));
        var error = await Assert.ThrowsAsync<ChatClientException>(() => bob.GetConversationAsync(group.Id));
        Assert.Equal(("not_found", System.Net.HttpStatusCode.NotFound), (error.Code, error.StatusCode));
    }

    /// <summary>The next event a handler added by <paramref name="subscribe"/> receives (subscribed before the action that causes it).</summary>
    private static Task<T> Next<T>(Action<EventHandler<T>> subscribe)
    {
        var received = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe((_, e) => received.TrySetResult(e));
        return received.Task.WaitAsync(Wait);
    }

    private static string User(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";
}
