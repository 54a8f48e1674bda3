using System.Net.Http.Json;
using System.Text.Json;

namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>REST helpers that keep the raw JSON, so tests check the wire shape rather than a client's model.</summary>
public static class Http
{
    /// <summary>Sends a request and reads the JSON body (default when there is none).</summary>
    public static async Task<(HttpResponseMessage Response, JsonElement Body)> SendJsonAsync(this HttpClient http, HttpMethod method, string path, object? body = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body);
        }

        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>GET with a JSON answer.</summary>
    public static Task<(HttpResponseMessage Response, JsonElement Body)> GetJsonAsync(this HttpClient http, string path) =>
        http.SendJsonAsync(HttpMethod.Get, path);

    /// <summary>POST with a JSON body and answer.</summary>
    public static Task<(HttpResponseMessage Response, JsonElement Body)> PostJsonAsync(this HttpClient http, string path, object? body = null) =>
        http.SendJsonAsync(HttpMethod.Post, path, body);

    /// <summary>DELETE.</summary>
    public static Task<(HttpResponseMessage Response, JsonElement Body)> DeleteJsonAsync(this HttpClient http, string path) =>
        http.SendJsonAsync(HttpMethod.Delete, path);
}
