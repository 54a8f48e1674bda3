using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChatKit.Client.Internal;

/// <summary>The REST API as typed calls: a bearer token from the provider on each request, ProblemDetails turned into <see cref="ChatClientException"/>.</summary>
internal sealed class ChatRestApi(HttpClient http, Uri apiBase, Func<CancellationToken, ValueTask<string?>> tokens)
{
    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, path, null, cancellationToken)!;

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ChatJson.Options, cancellationToken).ConfigureAwait(false);
        return ChatJson.Read<T>(json);
    }

    public async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET sync</c>, or <see langword="null"/> when the server has no sync endpoint (a server older than sync).</summary>
    public async Task<SyncResult?> SyncAsync(string? since, int? limit, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (since is not null)
        {
            query.Add("since=" + Uri.EscapeDataString(since));
        }

        if (limit is { } l)
        {
            query.Add("limit=" + l.ToString(CultureInfo.InvariantCulture));
        }

        using var response = await SendRawAsync(HttpMethod.Get, "/sync" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), null, cancellationToken)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ChatJson.Options, cancellationToken).ConfigureAwait(false);
        return ChatJson.Read<SyncResult>(json);
    }

    public async Task<T> UploadAsync<T>(string path, Stream content, string fileName, string contentType, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        using var file = new StreamContent(content);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        form.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve(path)) { Content = form };
        await AuthorizeAsync(request, cancellationToken).ConfigureAwait(false);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return ChatJson.Read<T>(await response.Content.ReadFromJsonAsync<JsonElement>(ChatJson.Options, cancellationToken).ConfigureAwait(false));
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, Resolve(path));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ChatJson.Options);
        }

        await AuthorizeAsync(request, cancellationToken).ConfigureAwait(false);
        return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (await tokens(cancellationToken).ConfigureAwait(false) is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private Uri Resolve(string path) => new(apiBase, apiBase.AbsolutePath.TrimEnd('/') + path);

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? code = null;
        var message = $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
                if (problem.ValueKind == JsonValueKind.Object)
                {
                    code = problem.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    if (problem.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                    {
                        message = code is null ? d.GetString()! : $"{code}: {d.GetString()}";
                    }
                }
            }
            catch (JsonException)
            {
                // Not a ProblemDetails body: the status says enough.
            }
        }

        throw new ChatClientException(code, message, response.StatusCode);
    }
}
