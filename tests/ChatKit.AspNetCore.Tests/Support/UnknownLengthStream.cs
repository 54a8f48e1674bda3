namespace ChatKit.AspNetCore.Tests.Support;

/// <summary>A stream that does not know its length, so HttpClient sends it chunked, without a Content-Length.</summary>
public sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
{
    /// <inheritdoc/>
    public override bool CanSeek => false;
}
