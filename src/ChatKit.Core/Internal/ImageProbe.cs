using SixLabors.ImageSharp;

namespace ChatKit.Internal;

/// <summary>
/// Reads an image's format and dimensions from its header with SixLabors.ImageSharp (Identify: no pixel is decoded).
/// </summary>
internal static class ImageProbe
{
    public sealed record ImageInfo(string ContentType, int Width, int Height);

    /// <summary>The image's type and size, or <see langword="null"/> when the bytes are no image ImageSharp reads.</summary>
    public static async Task<ImageInfo?> IdentifyAsync(Stream content, CancellationToken cancellationToken)
    {
        try
        {
            var (info, format) = await Image.IdentifyWithFormatAsync(content, cancellationToken).ConfigureAwait(false);
            if (info is null || format is null || info.Width <= 0 || info.Height <= 0)
            {
                return null;
            }

            return new ImageInfo(format.DefaultMimeType.ToLowerInvariant(), info.Width, info.Height);
        }
        catch (Exception ex) when (ex is ImageFormatException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}
