using System.Reflection;
using System.Runtime.ExceptionServices;
using ChatKit.Storage;

namespace ChatKit.Testing;

/// <summary>
/// A store that is an <see cref="IChatStore"/> and nothing more, over a real one: a third party's store written before
/// the optional store interfaces (push registrations, the outbox) existed, and optionally before some of
/// <see cref="IChatStore"/>'s later members existed (they then throw <see cref="NotSupportedException"/>, as their defaults do;
/// a hidden <see cref="IChatStore.SupportsAttachments"/> reads <see langword="false"/>, as its default does).
/// </summary>
public class ChatStoreOnly : DispatchProxy
{
    private IChatStore _inner = null!;
    private HashSet<string> _missing = [];

    /// <summary>Wraps <paramref name="inner"/>, hiding every other interface it implements and the members named in <paramref name="missing"/>.</summary>
    public static IChatStore Wrap(IChatStore inner, params string[] missing)
    {
        var proxy = Create<IChatStore, ChatStoreOnly>();
        ((ChatStoreOnly)(object)proxy)._inner = inner;
        ((ChatStoreOnly)(object)proxy)._missing = [.. missing];
        return proxy;
    }

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == "get_" + nameof(IChatStore.SupportsAttachments) && _missing.Contains(nameof(IChatStore.SupportsAttachments)))
        {
            return false;
        }

        if (_missing.Contains(targetMethod.Name))
        {
            throw new NotSupportedException($"This store predates IChatStore.{targetMethod.Name}.");
        }

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
