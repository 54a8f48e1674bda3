using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChatKit.Storage.EfCore.Tests.Support;

/// <summary>Counts the SQL commands EF Core sends, and keeps their text, to prove a call runs a bounded number of queries.</summary>
public sealed class QueryCounter : DbCommandInterceptor
{
    private readonly Lock _gate = new();
    private readonly List<string> _commands = [];
    private readonly List<SentCommand> _sent = [];
    private readonly List<(string Text, bool Prepared)> _executed = [];

    /// <summary>A command as it was sent: its text, its parameters and the connection string it went over.</summary>
    public sealed record SentCommand(string Text, IReadOnlyList<KeyValuePair<string, object?>> Parameters, string ConnectionString, bool IsPostgres);

    /// <summary>The commands sent since the last <see cref="Reset"/>.</summary>
    public IReadOnlyList<string> Commands
    {
        get
        {
            lock (_gate)
            {
                return [.. _commands];
            }
        }
    }

    /// <summary>The commands sent since the last <see cref="Reset"/>, with their parameters.</summary>
    public IReadOnlyList<SentCommand> Sent
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>The commands that ran since the last <see cref="Reset"/>, and whether each ran prepared (PostgreSQL).</summary>
    public IReadOnlyList<(string Text, bool Prepared)> Executed
    {
        get
        {
            lock (_gate)
            {
                return [.. _executed];
            }
        }
    }

    /// <summary>Forgets the commands counted so far.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _commands.Clear();
            _sent.Clear();
            _executed.Clear();
        }
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        RecordExecuted(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        RecordExecuted(command);
        return ValueTask.FromResult(result);
    }

    private void RecordExecuted(DbCommand command)
    {
        lock (_gate)
        {
            _executed.Add((command.CommandText, command is Npgsql.NpgsqlCommand { IsPrepared: true }));
        }
    }

    private void Record(DbCommand command)
    {
        lock (_gate)
        {
            _commands.Add(command.CommandText);
            _sent.Add(new SentCommand(
                command.CommandText,
                [.. command.Parameters.Cast<DbParameter>().Select(p => KeyValuePair.Create(p.ParameterName, p.Value))],
                command.Connection?.ConnectionString ?? string.Empty,
                command.Connection is Npgsql.NpgsqlConnection));
        }
    }
}
