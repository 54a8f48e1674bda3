namespace ChatKit.AspNetCore;

/// <summary>How ChatKit's hub and endpoints read the user and what they accept. Validated at start-up.</summary>
public sealed class ChatKitServerOptions
{
    /// <summary>The claim holding the user id. Default <c>sub</c>; <see cref="System.Security.Claims.ClaimTypes.NameIdentifier"/> is the fallback.</summary>
    public string UserIdClaimType { get; set; } = "sub";

    /// <summary>The claim holding the display name. Default <c>name</c>; the user id is the fallback.</summary>
    public string UserNameClaimType { get; set; } = "name";

    /// <summary>
    /// The largest hub message a client may send, in bytes. Default 32 KB: a 4,000-character message in JSON with every
    /// character escaped fits; larger frames close the connection. 1 KB to 16 MB.
    /// </summary>
    public long MaximumReceiveMessageSize { get; set; } = 32 * 1024;

    /// <summary>
    /// The largest request body ChatKit's REST endpoints read, in bytes. Default 256 KB: a group of 1,000 participants
    /// with 128-character ids fits. A larger body is answered 413 before it is parsed. Applies to ChatKit's routes only;
    /// the host's server limits are left as they are. 1 KB to 16 MB.
    /// </summary>
    public long MaxRequestBodySize { get; set; } = 256 * 1024;

    /// <summary>How often the server pings an idle connection. Default 15 s (SignalR's default).</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long without a message from a client before its connection is closed. Default 30 s; at least twice <see cref="KeepAliveInterval"/>.</summary>
    public TimeSpan ClientTimeoutInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a client has to complete the handshake. Default 15 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Whether the server closes a hub connection when the authentication it opened with expires (for a JWT, at its
    /// <c>exp</c>), so a revoked or expired identity does not keep a socket working. Default <see langword="true"/>; the
    /// client reconnects with a fresh token. Applies to ChatKit's hub only (SignalR's
    /// <c>HttpConnectionDispatcherOptions.CloseOnAuthenticationExpiration</c>, set on its endpoint).
    /// </summary>
    public bool CloseOnAuthenticationExpiration { get; set; } = true;

    /// <summary>
    /// How long one write to a client's socket may wait before the server closes that connection. Default 10 s
    /// (SignalR's default); 1 s to 5 minutes. A client that stops reading its socket (a frozen tab, a stalled network)
    /// fills its buffers (64 KB each on the server), then is cut off after this long and catches up with
    /// <c>after=&lt;seq&gt;</c> when it reconnects. Deliveries to the other connections never wait for it. Applies to
    /// ChatKit's hub only (SignalR's <c>HttpConnectionDispatcherOptions.TransportSendTimeout</c>, set on its endpoint).
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether ChatKit's hub also speaks SignalR's MessagePack hub protocol (<c>messagepack</c>, the official
    /// Microsoft.AspNetCore.SignalR.Protocols.MessagePack), next to JSON: smaller frames and less CPU per delivery for
    /// clients that ask for it (<c>.withHubProtocol(new MessagePackHubProtocol())</c> in JavaScript,
    /// <c>.AddMessagePackProtocol()</c> in .NET). Default <see langword="false"/>. The contract's names, nulls and shapes are
    /// the same in both; dates are MessagePack timestamps. Applies to ChatKit's hub only: the host's other hubs keep the
    /// protocols the host registered. When the host registers MessagePack for all its hubs itself, ChatKit's hub uses
    /// ChatKit's MessagePack protocol, whatever this says.
    /// </summary>
    public bool EnableMessagePack { get; set; }

    /// <summary>
    /// How long an attachment's signed <c>url</c> works without a bearer token, from the moment a response or event
    /// carries it. Default 1 hour; 10 minutes to 7 days.
    /// </summary>
    public TimeSpan AttachmentUrlLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The key that signs attachments' URLs (HMAC-SHA256), base64, at least 32 bytes; every node of a cluster needs the
    /// same. Default <see langword="null"/>: the URLs are Data Protection tokens of the host's key ring instead (share the
    /// key ring between nodes, as for authentication cookies).
    /// </summary>
    public string? AttachmentUrlSigningKey { get; set; }
}

/// <summary>Where <c>MapChatKit()</c> maps the hub and the REST API.</summary>
public sealed class ChatKitEndpointOptions
{
    /// <summary>The hub's path. Default <c>/chat</c>.</summary>
    public string HubPath { get; set; } = "/chat";

    /// <summary>The REST API's prefix. Default <c>/chats</c>.</summary>
    public string ApiPrefix { get; set; } = "/chats";
}
