using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChatKit.Storage.EfCore.Tests.Support;

/// <summary>
/// Lets a test stop the store inside a command: <see cref="Hold"/> parks the next command until <see cref="Release"/>,
/// <see cref="FailWith"/> makes every command throw until cleared, and the parameters of every seq update are kept in
/// the order the database received them.
/// </summary>
public sealed class CommandGate : DbCommandInterceptor
{
    private readonly Lock _gate = new();
    private readonly List<string> _seqUpdates = [];
    private TaskCompletionSource? _held;
    private TaskCompletionSource? _release;
    private Exception? _failure;

    /// <summary>The conversation ids the store's group commands locked so far, in the order it locked them.</summary>
    public IReadOnlyList<string> SeqUpdates
    {
        get
        {
            lock (_gate)
            {
                return [.. _seqUpdates];
            }
        }
    }

    /// <summary>Parks the next command; the returned task completes once a command is parked.</summary>
    public Task Hold()
    {
        lock (_gate)
        {
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _held.Task;
        }
    }

    /// <summary>Lets the parked command go on.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _release?.TrySetResult();
        }
    }

    /// <summary>Makes every later command throw <paramref name="failure"/>, or none when it is null.</summary>
    public void FailWith(Exception? failure)
    {
        lock (_gate)
        {
            _failure = failure;
        }
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await PassAsync(command);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await PassAsync(command);
        return result;
    }

    private async Task PassAsync(DbCommand command)
    {
        Task? release = null;
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw _failure;
            }

            if (command.CommandText.Contains("ck_lock_id", StringComparison.Ordinal))
            {
                // The group's locking command: its conversation ids, in the order the locks are taken.
                foreach (var id in command.Parameters.Cast<DbParameter>().SelectMany(p => p.Value switch { string[] values => values, string value => [value], _ => [] }).Where(v => v.StartsWith("c_", StringComparison.Ordinal)))
                {
                    if (!_seqUpdates.Contains(id))
                    {
                        _seqUpdates.Add(id);
                    }
                }
            }

            if (_held is { Task.IsCompleted: false } held)
            {
                held.SetResult();
                release = _release!.Task;
            }
        }

        if (release is not null)
        {
            await release.WaitAsync(TimeSpan.FromMinutes(2));
        }
    }
}
