using Microsoft.Extensions.Logging;

namespace ChatKit.Client;

/// <summary>How a <see cref="ChatClient"/> reaches its server and behaves when the connection breaks.</summary>
public sealed class ChatClientOptions
{
    /// <summary>The server's base address, for example <c>https://chat.example.com/</c>. Required.</summary>
    public Uri? ServerUrl { get; set; }

    /// <summary>
    /// Returns the user's bearer token; called for every connection attempt and every REST call, so it may refresh it.
    /// Required.
    /// </summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; set; }

    /// <summary>The hub's path. Default <c>/chat</c>.</summary>
    public string HubPath { get; set; } = "/chat";

    /// <summary>The REST API's prefix. Default <c>/chats</c>.</summary>
    public string ApiPrefix { get; set; } = "/chats";

    /// <summary>
    /// The waits between SignalR's automatic reconnect attempts. Default 0, 1, 2, 5 and 10 seconds; when they are used
    /// up the client keeps restarting the connection with <see cref="MaxRestartDelay"/> as the longest wait.
    /// </summary>
    public IReadOnlyList<TimeSpan> ReconnectDelays { get; set; } =
        [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];

    /// <summary>The longest wait between restarts once the automatic reconnect gave up. Default 30 seconds.</summary>
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where unacknowledged messages are kept. Default: an <see cref="InMemoryChatOutbox"/>.</summary>
    public IChatOutbox? Outbox { get; set; }

    /// <summary>History page size used to fill gaps (1 to 100). Default 100.</summary>
    public int HistoryPageSize { get; set; } = 100;

    /// <summary>
    /// The most events one sync may return (1 to 1,000); more makes the server answer <c>limited</c> and the client
    /// page history instead. Default <see langword="null"/>: the server's default (500).
    /// </summary>
    public int? SyncLimit { get; set; }

    /// <summary>
    /// How many event ids the client remembers to skip repeats (a live event that a sync returns again). Default 10,000.
    /// </summary>
    public int RememberedEventIds { get; set; } = 10_000;

    /// <summary>Logs of the client. Default: none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock of the waits. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (ServerUrl is null || !ServerUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("ChatClientOptions.ServerUrl must be an absolute URI.", nameof(ServerUrl));
        }

        if (AccessTokenProvider is null)
        {
            throw new ArgumentException("ChatClientOptions.AccessTokenProvider is required.", nameof(AccessTokenProvider));
        }

        if (HistoryPageSize is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(HistoryPageSize), HistoryPageSize, "HistoryPageSize must be between 1 and 100.");
        }

        if (SyncLimit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(SyncLimit), SyncLimit, "SyncLimit must be between 1 and 1000.");
        }

        if (RememberedEventIds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RememberedEventIds), RememberedEventIds, "RememberedEventIds must be at least 1.");
        }

        if (MaxRestartDelay <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRestartDelay), MaxRestartDelay, "MaxRestartDelay must be positive.");
        }
    }
}
