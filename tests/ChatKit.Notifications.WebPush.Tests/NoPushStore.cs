using System.Reflection;
using ChatKit.Storage;

namespace ChatKit.Notifications.WebPush.Tests;

/// <summary>A store that is an <see cref="IChatStore"/> and nothing more (a third party's store from before push), over the in-memory one.</summary>
public class NoPushStore : DispatchProxy
{
    private readonly InMemoryChatStore _inner = new();

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Invoke(_inner, args);
}
