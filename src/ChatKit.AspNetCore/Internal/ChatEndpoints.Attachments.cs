using ChatKit.Attachments;
using ChatKit.AspNetCore.Wire;
using ChatKit.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatKit.AspNetCore.Internal;

// v2 REST endpoints: attachments. The upload streams its one file part to Core (no form buffering); a download streams
// the bytes or redirects to the blob store's pre-signed URL, with the serving rules of docs/security.md.
internal static partial class ChatEndpoints
{
    /// <summary>What a multipart body may add to the file itself (boundaries and part headers).</summary>
    private const long MultipartOverhead = 64 * 1024;

    private static void MapAttachments(RouteGroupBuilder group)
    {
        group.MapPost("/conversations/{id}/attachments", UploadAttachmentAsync)
            .WithName("ChatKit_UploadAttachment")
            .WithSummary("Uploads a file to a conversation of the caller (multipart/form-data, one 'file' part).")
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("/attachments/{id}", DownloadAttachmentAsync)
            .WithName("ChatKit_GetAttachment")
            .WithSummary("Downloads an attachment (participants of its conversation; the uploader before it is sent).");
        group.MapGet("/attachments/{id}/content", DownloadSignedAttachmentAsync)
            .WithName("ChatKit_GetAttachmentBySignedUrl")
            .WithSummary("Downloads an attachment by the signed url of its Attachment (?exp=, ?sig=), without a bearer token.")
            .AllowAnonymous();
    }

    private static async Task<Created<AttachmentDto>> UploadAttachmentAsync(
        string id, HttpContext http, AttachmentService attachments, ChatUserAccessor users, IOptions<ChatKitAttachmentOptions> options, CancellationToken cancellationToken)
    {
        var caller = RequireUser(http, users);
        var max = options.Value.MaxSize;
        if (http.Request.ContentLength > max + MultipartOverhead)
        {
            throw new ChatException(ChatErrorCode.PayloadTooLarge, $"an attachment has at most {max} bytes");
        }

        // This route's own body limit, so the host's server limit neither cuts a permitted upload nor lets a larger one in.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max + MultipartOverhead;
        }

        var boundary = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
            && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
                ? HeaderUtilities.RemoveQuotes(type.Boundary).Value
                : null;
        if (boundary is not { Length: > 0 and <= 200 })
        {
            throw ChatException.Validation("body", "the body must be multipart/form-data with one 'file' part");
        }

        var reader = new MultipartReader(boundary, http.Request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.IsFileDisposition()
                || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, "file", StringComparison.Ordinal))
            {
                continue;
            }

            var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            var attachment = await attachments.UploadAsync(caller, id, fileName, section.ContentType, section.Body, cancellationToken).ConfigureAwait(false);
            var dto = WireMapper.ToDto(attachment.ToMessageAttachment(), Links(http));
            return TypedResults.Created($"{Links(http).Prefix}/attachments/{attachment.Id}", dto);
        }

        throw ChatException.Validation("file", "the body has no 'file' part");
    }

    private static async Task<IResult> DownloadAttachmentAsync(
        string id, HttpContext http, AttachmentService attachments, ChatUserAccessor users, CancellationToken cancellationToken)
    {
        var attachment = await attachments.GetAsync(RequireUser(http, users), id, cancellationToken).ConfigureAwait(false);
        return await ServeAsync(http, attachments, attachment, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> DownloadSignedAttachmentAsync(
        string id, HttpContext http, AttachmentService attachments, CancellationToken cancellationToken)
    {
        // A bad, expired or tampered link, and an attachment that no longer exists, get the same answer.
        var attachment = Links(http).Verify(id, http.Request.Query["exp"], http.Request.Query["sig"])
            ? await attachments.FindAsync(id, cancellationToken).ConfigureAwait(false)
            : null;
        if (attachment is null)
        {
            throw new ChatException(ChatErrorCode.NotFound, "the link is invalid or expired");
        }

        return await ServeAsync(http, attachments, attachment, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> ServeAsync(HttpContext http, AttachmentService attachments, ChatAttachment attachment, CancellationToken cancellationToken)
    {
        var headers = http.Response.Headers;
        var contentType = AttachmentServing.ContentTypeOf(attachment);
        var disposition = AttachmentServing.ContentDisposition(attachment);
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "private, max-age=300";
        headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

        // The blob store's link is short-lived: the client follows the redirect at once.
        var direct = await attachments.GetDownloadUrlAsync(
            attachment,
            new BlobDownload(contentType, disposition, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() + TimeSpan.FromMinutes(5)),
            cancellationToken).ConfigureAwait(false);
        if (direct is not null)
        {
            headers.CacheControl = "no-store";
            return TypedResults.Redirect(direct.AbsoluteUri);
        }

        var stream = await attachments.OpenReadAsync(attachment, cancellationToken).ConfigureAwait(false)
            ?? throw new ChatException(ChatErrorCode.NotFound, $"attachment {attachment.Id} does not exist");
        headers.ContentDisposition = disposition;
        return TypedResults.Stream(stream, contentType, enableRangeProcessing: stream.CanSeek);
    }

    private static AttachmentLinks Links(HttpContext http) => http.RequestServices.GetRequiredService<AttachmentLinks>();
}

/// <summary>How an attachment is served: never as HTML or script, inline only as a safe image type.</summary>
internal static class AttachmentServing
{
    /// <summary>The stored type, except that types a browser would run (HTML, XML, SVG, JavaScript) are served as bytes.</summary>
    public static string ContentTypeOf(ChatAttachment attachment)
    {
        var type = attachment.ContentType;
        return type.Contains("html", StringComparison.Ordinal) || type.Contains("xml", StringComparison.Ordinal)
            || type.Contains("svg", StringComparison.Ordinal) || type.Contains("javascript", StringComparison.Ordinal)
            || type.Contains("ecmascript", StringComparison.Ordinal)
            ? "application/octet-stream"
            : type;
    }

    /// <summary><c>inline</c> for PNG, JPEG, GIF and WebP; <c>attachment</c> otherwise; the name as RFC 6266 <c>filename*</c> with an ASCII fallback.</summary>
    public static string ContentDisposition(ChatAttachment attachment)
    {
        var value = new ContentDispositionHeaderValue(ChatKit.Internal.AttachmentRules.SafeImageTypes.Contains(attachment.ContentType) ? "inline" : "attachment");
        var ascii = new string([.. attachment.Name.Select(c => c is >= ' ' and < (char)127 and not '"' and not '\\' ? c : '_')]);
        value.FileName = "\"" + ascii + "\"";
        value.FileNameStar = attachment.Name;
        return value.ToString();
    }
}
