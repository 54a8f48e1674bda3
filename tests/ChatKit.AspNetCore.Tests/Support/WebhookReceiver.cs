using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>
/// A host's webhook endpoint on a real Kestrel: it verifies each request's signature with
/// <see cref="ChatKitWebhookSignature.Verify"/> (401 when it fails), answers 503 while <see cref="Down"/>, and otherwise
/// processes each event id once (its dedup), recording how many requests were in flight at once.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public const string Secret = "a-test-secret-of-some-length";

    private readonly ConcurrentDictionary<string, int> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonElement> _processed = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private int _inFlight;
    private int _mostAtOnce;
    private int _refused;
    private int _badSignatures;

    /// <summary>Answer 503 Service Unavailable to everything.</summary>
    public volatile bool Down;

    /// <summary>How long each accepted request takes.</summary>
    public TimeSpan Hold { get; init; }

    public Uri Url { get; private set; } = null!;

    /// <summary>The events processed (first delivery of each id), by id: the body as received.</summary>
    public IReadOnlyDictionary<string, JsonElement> Processed => _processed;

    /// <summary>How many times each id was accepted (more than once means a duplicate delivery).</summary>
    public IReadOnlyDictionary<string, int> Accepted => _accepted;

    public int Refused => Volatile.Read(ref _refused);

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

    /// <summary>Starts listening, on a free port or on the given one (to come back where a host expects it).</summary>
    public async Task StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hooks", ReceiveAsync);
        await _app.StartAsync();
        Url = new Uri(ChatHost.AddressOf(_app.Services), "/hooks");
    }

    /// <summary>Stops listening: connections are refused until <see cref="StartAsync"/> again.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>Waits until every id was processed.</summary>
    public async Task WaitForAsync(IEnumerable<string> ids)
    {
        var wanted = ids.ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!wanted.All(_processed.ContainsKey))
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> requests were refused.</summary>
    public async Task WaitForRefusalsAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (Refused < count)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (!ChatKitWebhookSignature.Verify(Secret, request.Headers[ChatKitWebhookSignature.HeaderName], body, DateTimeOffset.UtcNow, ChatKitWebhookSignature.DefaultTolerance))
        {
            Interlocked.Increment(ref _badSignatures);
            return Results.Unauthorized();
        }

        if (Down)
        {
            Interlocked.Increment(ref _refused);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        var now = Interlocked.Increment(ref _inFlight);
        int most;
        while ((most = Volatile.Read(ref _mostAtOnce)) < now && Interlocked.CompareExchange(ref _mostAtOnce, now, most) != most)
        {
        }

        try
        {
            if (Hold > TimeSpan.Zero)
            {
                await Task.Delay(Hold);
            }

            using var document = JsonDocument.Parse(body);
            var id = document.RootElement.GetProperty("id").GetString()!;
            Assert.Equal(id, request.Headers[ChatKitWebhookSignature.EventIdHeaderName]);
            _accepted.AddOrUpdate(id, 1, (_, n) => n + 1);
            _processed.TryAdd(id, document.RootElement.Clone());
            return Results.NoContent();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
