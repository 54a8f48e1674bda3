using ChatKit.Internal;

namespace ChatKit.Core.Tests;

/// <summary>The contract's error table (contract.md "Errors"), which the hub and REST adapters both read.</summary>
public sealed class ErrorTableTests
{
    [Theory]
    [InlineData(ChatErrorCode.ValidationFailed, "validation_failed", 400)]
    [InlineData(ChatErrorCode.Forbidden, "forbidden", 403)]
    [InlineData(ChatErrorCode.NotFound, "not_found", 404)]
    [InlineData(ChatErrorCode.Conflict, "conflict", 409)]
    [InlineData(ChatErrorCode.RateLimited, "rate_limited", 429)]
    [InlineData(ChatErrorCode.Unavailable, "unavailable", 503)]
    public void EveryErrorCode_HasTheContractsWireCodeAndStatus(ChatErrorCode error, string code, int status)
    {
        var entry = ChatErrorTable.Of(error);

        Assert.Equal(code, entry.Code);
        Assert.Equal(status, entry.Status);
        Assert.Equal(code, ChatException.CodeOf(error));
        Assert.False(string.IsNullOrWhiteSpace(entry.Title));
    }

    [Fact]
    public void TheTable_CoversEveryValueOfTheEnum()
    {
        Assert.Equal(
            Enum.GetValues<ChatErrorCode>().Length,
            Enum.GetValues<ChatErrorCode>().Select(e => ChatErrorTable.Of(e).Code).Distinct(StringComparer.Ordinal).Count());
    }
}
