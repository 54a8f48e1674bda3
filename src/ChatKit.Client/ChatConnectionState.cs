namespace ChatKit.Client;

/// <summary>The state of a <see cref="ChatClient"/>'s connection.</summary>
public enum ChatConnectionState
{
    /// <summary>Not started, or stopped.</summary>
    Disconnected,

    /// <summary>Connected; events arrive live.</summary>
    Connected,

    /// <summary>The connection broke; the client is reconnecting and will catch up.</summary>
    Reconnecting,
}
