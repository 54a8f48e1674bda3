using ChatKit.Storage;

namespace ChatKit.Testing.Conformance;

// v2: a participant's mute (no offline notifications until a time).
public abstract partial class ChatStoreConformanceTests
{
    [Fact]
    public async Task Mute_IsKeptPerParticipant_ToTheMillisecond_AndReadEverywhere()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 2);
        var (owner, muter, other) = (group.Participants[0].UserId, group.Participants[1].UserId, group.Participants[2].UserId);
        var until = new DateTimeOffset(2031, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);

        var changed = await store.SetParticipantMuteAsync(group.Id, muter, until, Ct);

        Assert.Equal(until, changed!.FindParticipant(muter)!.MutedUntil);
        Assert.Null(changed.FindParticipant(owner)!.MutedUntil);
        Assert.Equal(until, (await store.FindConversationAsync(group.Id, Ct))!.FindParticipant(muter)!.MutedUntil);
        Assert.Equal(until, (await store.FindConversationViewAsync(group.Id, other, Ct))!.Conversation.FindParticipant(muter)!.MutedUntil);
        var listed = Assert.Single(await store.ListConversationsAsync(muter, null, 10, Ct), v => v.Conversation.Id == group.Id);
        Assert.Equal(until, listed.Conversation.FindParticipant(muter)!.MutedUntil);
        Assert.Null(listed.Conversation.FindParticipant(other)!.MutedUntil);

        // Nothing else changed: not the activity, not the roles, not the order.
        Assert.Equal(group.LastActivityAt, changed.LastActivityAt);
        Assert.Equal(group.Participants.Select(p => (p.UserId, p.Role)), changed.Participants.Select(p => (p.UserId, p.Role)));
    }

    [Fact]
    public async Task Mute_Forever_RoundTripsExactly_AndUnmuteClearsIt_AndSettingItAgainIsFine()
    {
        var store = await CreateStoreAsync();
        var direct = NewDirect(NewUserId(), NewUserId());
        await store.GetOrCreateDirectConversationAsync(direct, Ct);
        var user = direct.Participants[0].UserId;

        await store.SetParticipantMuteAsync(direct.Id, user, Participant.MutedForever, Ct);
        var again = await store.SetParticipantMuteAsync(direct.Id, user, Participant.MutedForever, Ct); // the same value twice
        Assert.Equal(Participant.MutedForever, again!.FindParticipant(user)!.MutedUntil);
        Assert.Equal(Participant.MutedForever, (await store.FindConversationAsync(direct.Id, Ct))!.FindParticipant(user)!.MutedUntil);

        var cleared = await store.SetParticipantMuteAsync(direct.Id, user, null, Ct);
        Assert.Null(cleared!.FindParticipant(user)!.MutedUntil);
        Assert.Null((await store.FindConversationAsync(direct.Id, Ct))!.FindParticipant(user)!.MutedUntil);
    }

    [Fact]
    public async Task Mute_OfANonParticipant_OrAnUnknownConversation_ChangesNothing()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store);
        var until = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Null(await store.SetParticipantMuteAsync(group.Id, NewUserId(), until, Ct));
        Assert.Null(await store.SetParticipantMuteAsync(NewConversationId(), group.Participants[0].UserId, until, Ct));
        Assert.All((await store.FindConversationAsync(group.Id, Ct))!.Participants, p => Assert.Null(p.MutedUntil));
    }

    [Fact]
    public async Task Mute_SurvivesOtherParticipantsJoining_AndRoleChanges()
    {
        var store = await CreateStoreAsync();
        var group = await CreateGroupAsync(store, memberCount: 2);
        var (owner, muter) = (group.Participants[0].UserId, group.Participants[1].UserId);
        var until = new DateTimeOffset(2031, 2, 3, 4, 5, 6, TimeSpan.Zero);
        await store.SetParticipantMuteAsync(group.Id, muter, until, Ct);

        await store.AddParticipantsAsync(group.Id, [new Participant(NewUserId(), ParticipantRole.Member, group.CreatedAt)], Ct);
        await store.ChangeRoleAsync(group.Id, owner, muter, ParticipantRole.Admin, Ct);

        var participant = (await store.FindConversationAsync(group.Id, Ct))!.FindParticipant(muter)!;
        Assert.Equal((ParticipantRole.Admin, until), (participant.Role, participant.MutedUntil));
    }
}
