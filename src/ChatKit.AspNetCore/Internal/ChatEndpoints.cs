using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChatKit.AspNetCore.Wire;
using ChatKit.Internal;
using ChatKit.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatKit.AspNetCore.Internal;

/// <summary>
/// The REST API of the contract in one route group. Bodies and query values are read here rather than by the
/// framework's binder, so that bad JSON or a non-numeric limit gets the same ProblemDetails body as every other error.
/// For the same reason the endpoints carry no <c>Accepts</c> metadata: with it, routing itself would answer a body that
/// is not application/json with an empty 415 instead of the contract's validation_failed ProblemDetails.
/// </summary>
internal static partial class ChatEndpoints
{
    private const string Tag = "ChatKit";

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string prefix)
    {
        var group = endpoints.MapGroup(prefix);
        group.RequireAuthorization();
        group.WithTags(Tag);
        group.AddEndpointFilter(HandleErrorsAsync);
        group.ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        group.MapPost("/conversations", CreateConversationAsync)
            .WithName("ChatKit_CreateConversation")
            .WithSummary("Creates a conversation, or returns the existing direct conversation of the pair.");
        group.MapGet("/conversations", ListConversationsAsync)
            .WithName("ChatKit_ListConversations")
            .WithSummary("Lists the caller's conversations, most recent activity first (?limit=, ?cursor=).");
        group.MapGet("/conversations/{id}", GetConversationAsync)
            .WithName("ChatKit_GetConversation")
            .WithSummary("Returns a conversation as the caller sees it.");
        group.MapGet("/conversations/{id}/messages", GetMessagesAsync)
            .WithName("ChatKit_GetMessages")
            .WithSummary("Pages a conversation's history ascending by seq (?before=, ?after=, ?limit=).");
        group.MapPost("/conversations/{id}/read", MarkConversationAsReadAsync)
            .WithName("ChatKit_MarkConversationAsRead")
            .WithSummary("Marks the whole conversation read for the caller.");
        group.MapDelete("/messages/{id}", DeleteMessageAsync)
            .WithName("ChatKit_DeleteMessage")
            .WithSummary("Deletes a message, leaving a tombstone (sender, or a group's owner or admin).")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/conversations/{id}/participants", AddParticipantsAsync)
            .WithName("ChatKit_AddParticipants")
            .WithSummary("Adds users to a group (owner or admin).")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapDelete("/conversations/{id}/participants/{userId}", RemoveParticipantAsync)
            .WithName("ChatKit_RemoveParticipant")
            .WithSummary("Removes a participant from a group (owner, or admin for members).")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/conversations/{id}/leave", LeaveConversationAsync)
            .WithName("ChatKit_LeaveConversation")
            .WithSummary("The caller leaves a group.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        MapGroupAdministration(group);
        MapMute(group);
        MapInteractions(group);
        MapSync(group);
        MapAttachments(group);
        MapPush(group);
        return group;
    }

    private static async Task<Results<Created<ConversationDto>, Ok<ConversationDto>>> CreateConversationAsync(
        HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync<CreateConversationBody>(http, cancellationToken).ConfigureAwait(false);
        var result = await chat.CreateConversationAsync(RequireUser(http, users), WireMapper.ToRequest(body), cancellationToken).ConfigureAwait(false);
        var dto = WireMapper.ToDto(result.Conversation, Links(http));
        return result.Created
            ? TypedResults.Created($"{http.Request.PathBase}{http.Request.Path}/{Uri.EscapeDataString(dto.Id)}", dto)
            : TypedResults.Ok(dto);
    }

    private static async Task<Ok<ConversationPageDto>> ListConversationsAsync(
        HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var limit = ReadInt(http, "limit");
        var cursor = http.Request.Query["cursor"].ToString();
        var page = await chat.ListConversationsAsync(RequireUser(http, users), limit, cursor.Length == 0 ? null : cursor, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ConversationPageDto { Items = [.. page.Items.Select(i => WireMapper.ToDto(i, Links(http)))], NextCursor = page.NextCursor });
    }

    private static async Task<Ok<ConversationDto>> GetConversationAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var view = await chat.GetConversationAsync(RequireUser(http, users), id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(WireMapper.ToDto(view, Links(http)));
    }

    private static async Task<Ok<MessagePageDto>> GetMessagesAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var query = new MessageQuery
        {
            BeforeSeq = ReadLong(http, "before"),
            AfterSeq = ReadLong(http, "after"),
            Limit = ReadInt(http, "limit"),
        };
        var page = await chat.GetMessagesAsync(RequireUser(http, users), id, query, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new MessagePageDto { Items = [.. page.Items.Select(i => WireMapper.ToDto(i, Links(http)))], HasMore = page.HasMore });
    }

    private static async Task<NoContent> MarkConversationAsReadAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        await chat.MarkConversationAsReadAsync(RequireUser(http, users), id, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> DeleteMessageAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        await chat.DeleteMessageAsync(RequireUser(http, users), id, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ConversationDto>> AddParticipantsAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync<AddParticipantsBody>(http, cancellationToken).ConfigureAwait(false);
        if (body?.UserIds is null)
        {
            throw ChatException.Validation("userIds", "userIds is required");
        }

        var view = await chat.AddParticipantsAsync(RequireUser(http, users), id, body.UserIds, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(WireMapper.ToDto(view, Links(http)));
    }

    private static async Task<NoContent> RemoveParticipantAsync(
        string id, string userId, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        await chat.RemoveParticipantAsync(RequireUser(http, users), id, userId, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> LeaveConversationAsync(
        string id, HttpContext http, ChatService chat, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        await chat.LeaveConversationAsync(RequireUser(http, users), id, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Maps <see cref="ChatException"/> (and anything unexpected) to an RFC 7807 body with a <c>code</c> and the request's
    /// <c>traceId</c>. The body is written by the result itself, so ChatKit needs no host-wide <c>IProblemDetailsService</c>
    /// (a host that registers one still gets its customisations applied).
    /// </summary>
    private static async ValueTask<object?> HandleErrorsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        object? result;
        ProblemDetails? problem;
        using (var activity = StartActivity(context.HttpContext))
        {
            result = await MapErrorsAsync(context, next).ConfigureAwait(false);
            problem = result switch
            {
                ProblemHttpResult p => p.ProblemDetails,
                ValidationProblem v => v.ProblemDetails,
                _ => null,
            };
            if (activity is not null && problem is not null)
            {
                var code = problem.Extensions.TryGetValue("code", out var value) && value is string s ? s : "unauthenticated";
                ChatKitActivities.Fail(activity, code, $"{code}: {problem.Detail}");
            }
        }

        // The request's own trace id (ASP.NET Core's span), as before tracing: ChatKit's span has ended here.
        problem?.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
        return result;
    }

    /// <summary>The endpoint's span (<c>ChatKit GetMessages</c>), when a host traces ChatKit.</summary>
    private static Activity? StartActivity(HttpContext http)
    {
        if (!ChatKitActivities.Source.HasListeners())
        {
            return null;
        }

        var name = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "Endpoint";
        var activity = ChatKitActivities.StartEndpoint(name.StartsWith("ChatKit_", StringComparison.Ordinal) ? name["ChatKit_".Length..] : name);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("user.id", http.RequestServices.GetService<ChatUserAccessor>()?.Read(http.User)?.Id);
        }

        return activity;
    }

    private static async ValueTask<object?> MapErrorsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (ChatException ex)
        {
            if (ex.RetryAfter is { } retryAfter)
            {
                var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            return Problem(ex);
        }
        catch (PayloadTooLargeException ex)
        {
            return TooLarge(ex.Limit);
        }
        catch (BadHttpRequestException ex)
        {
            // The server refused the body itself (its own size limit, a malformed chunk): an answer, not a fault.
            if (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return TooLarge(null);
            }

            return Problem(ChatException.Validation("body", "the request body could not be read"));
        }
        catch (UnauthenticatedException)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthenticated",
                detail: "the request's user has no user id claim");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ChatKit.AspNetCore.Endpoints");
            Log.EndpointFailed(logger, context.HttpContext.GetEndpoint()?.DisplayName, ex);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status500InternalServerError,
                title: "Internal Server Error",
                detail: "the server could not complete the request",
                extensions: new Dictionary<string, object?> { ["code"] = "internal_error" });
        }
    }

    private static IResult TooLarge(long? limit) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "Payload too large",
            detail: limit is null ? "the request body is too large" : $"the request body is larger than {limit} bytes",
            extensions: new Dictionary<string, object?>
            {
                ["code"] = "validation_failed",
                ["errors"] = new Dictionary<string, string[]> { ["body"] = ["the request body is too large"] },
            });

    internal static IResult Problem(ChatException ex)
    {
        var (_, status, title) = ChatKit.Internal.ChatErrorTable.Of(ex.Error);
        var extensions = new Dictionary<string, object?> { ["code"] = ex.Code };
        if (ex.Error == ChatErrorCode.ValidationFailed)
        {
            return TypedResults.ValidationProblem(
                ex.Errors.Count == 0 ? new Dictionary<string, string[]> { ["body"] = [ex.Message] } : ex.Errors,
                detail: ex.Message,
                title: title,
                extensions: extensions);
        }

        return TypedResults.Problem(detail: ex.Message, statusCode: status, title: title, extensions: extensions);
    }

    private static ChatUser RequireUser(HttpContext http, ChatUserAccessor users) =>
        users.Read(http.User) ?? throw new UnauthenticatedException();

    private static async Task<T?> ReadBodyAsync<T>(HttpContext http, CancellationToken cancellationToken)
        where T : class
    {
        if (!http.Request.HasJsonContentType())
        {
            throw ChatException.Validation("body", "the body must be JSON (Content-Type: application/json)");
        }

        var limit = http.RequestServices.GetRequiredService<IOptions<ChatKitServerOptions>>().Value.MaxRequestBodySize;
        if (http.Request.ContentLength > limit)
        {
            throw new PayloadTooLargeException(limit);
        }

        // Read at most limit + 1 bytes, whatever the framing (a chunked body has no Content-Length): ChatKit's cap,
        // on ChatKit's routes only, without touching the server's own limits.
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var read = await http.Request.Body.ReadAsync(buffer.GetMemory(4096), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw new PayloadTooLargeException(limit);
            }
        }

        try
        {
            return JsonSerializer.Deserialize<T>(buffer.WrittenSpan, WireJson.Options);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            throw ChatException.Validation(field, "the body is not valid JSON for this request");
        }
    }

    private static int? ReadInt(HttpContext http, string name)
    {
        var value = ReadLong(http, name);
        return value is null ? null : (int)Math.Clamp(value.Value, int.MinValue, int.MaxValue);
    }

    private static long? ReadLong(HttpContext http, string name)
    {
        var values = http.Request.Query[name];
        if (values.Count == 0 || (values.Count == 1 && string.IsNullOrEmpty(values[0])))
        {
            return null;
        }

        if (values.Count > 1 || !long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw ChatException.Validation(name, $"{name} must be an integer");
        }

        return value;
    }

    private sealed class UnauthenticatedException : Exception;

    private sealed class PayloadTooLargeException(long limit) : Exception
    {
        public long Limit { get; } = limit;
    }
}

/// <summary>The JSON options of ChatKit's REST bodies: independent of the host's.</summary>
internal static class WireJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
