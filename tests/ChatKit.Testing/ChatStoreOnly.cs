using System.Reflection;
using System.Runtime.ExceptionServices;
using ChatKit.Storage;

namespace ChatKit.Testing;

/// <summary>
/// A store that is an <see cref="IChatStore"/> and nothing more, over a real one: a third party's store written before
/// the optional store interfaces (push registrations, the outbox) existed.
/// </summary>
public class ChatStoreOnly : DispatchProxy
{
    private IChatStore _inner = null!;

    /// <summary>Wraps <paramref name="inner"/>, hiding every other interface it implements.</summary>
    public static IChatStore Wrap(IChatStore inner)
    {
        var proxy = Create<IChatStore, ChatStoreOnly>();
        ((ChatStoreOnly)(object)proxy)._inner = inner;
        return proxy;
    }

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(exception.InnerException);
            throw;
        }
    }
}
