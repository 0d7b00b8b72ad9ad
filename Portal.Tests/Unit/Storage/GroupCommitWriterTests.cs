using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core;
using Portal.Core.Adapters.Embedded;

namespace Portal.Tests.Unit.Storage;

public sealed class GroupCommitWriterTests : IAsyncDisposable
{
    private static readonly SqliteSchema Items = new("items.db",
        [new(1, "items", s => s.Execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)"))]);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-group-commit", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<int> _batchSizes = new();
    private readonly SqliteDatabase _db;
    private GroupCommitWriter<string, long>? _writer;

    public GroupCommitWriterTests() => _db = new SqliteDatabase(Path.Combine(_folder, "items.db"), Items);

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        _db.CloseIdleConnections();
        Directory.Delete(_folder, recursive: true);
    }

    // Inserts each label and answers its row id; a label "fail" fails the whole batch.
    private GroupCommitWriter<string, long> Writer(GroupCommitOptions? options = null, Action<WriteSession, IReadOnlyList<string>>? during = null) =>
        _writer = new GroupCommitWriter<string, long>("items", _db, (session, batch, results) =>
        {
            _batchSizes.Enqueue(batch.Count);
            using var transaction = session.Begin();
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i] == "fail")
                {
                    throw new SqliteException("disk I/O error", 10);
                }

                var insert = session.Statement("INSERT INTO items (label) VALUES ($label) RETURNING id");
                insert.Parameters.AddWithValue("$label", batch[i]);
                results[i] = (long)insert.ExecuteScalar()!;
            }

            during?.Invoke(session, batch);
            transaction.Commit();
        }, NullLogger.Instance, options);

    private long CountStored()
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM items";
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task Writes_queued_while_the_writer_is_busy_commit_together_in_one_batch_each_with_its_own_result()
    {
        var writer = Writer();
        Task<long>[] writes;
        using (writer.Hold())
        {
            writes = Enumerable.Range(0, 10).Select(i => writer.WriteAsync($"item-{i}", CancellationToken.None)).ToArray();
            writer.Queued.ShouldBe(10);
        }

        var ids = await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        _batchSizes.ShouldBe([10]);
        ids.ShouldBe(ids.Order().ToArray()); // answered in queue order
        ids.Distinct().Count().ShouldBe(10);
        CountStored().ShouldBe(10);
    }

    [Fact]
    public async Task A_caller_is_answered_only_after_its_batch_is_committed()
    {
        using var committing = new ManualResetEventSlim(false);
        using var mayCommit = new ManualResetEventSlim(false);
        var writer = Writer(during: (_, _) =>
        {
            committing.Set();
            mayCommit.Wait(TimeSpan.FromSeconds(10));
        });

        var write = writer.WriteAsync("durable", CancellationToken.None);
        committing.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken).ShouldBeTrue();
        await Task.Delay(50, TestContext.Current.CancellationToken);

        write.IsCompleted.ShouldBeFalse(); // the row is written but not committed: no answer yet
        CountStored().ShouldBe(0);
        mayCommit.Set();
        await write.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        CountStored().ShouldBe(1); // visible to another connection once answered
    }

    [Fact]
    public async Task A_full_queue_refuses_the_next_write_at_once_with_storage_busy_and_its_retry_after()
    {
        var writer = Writer(new GroupCommitOptions { Capacity = 2, RetryAfter = TimeSpan.FromSeconds(3) });
        Task<long>[] accepted;
        using (writer.Hold())
        {
            accepted = [writer.WriteAsync("a", CancellationToken.None), writer.WriteAsync("b", CancellationToken.None)];

            var busy = Should.Throw<StorageBusyException>(() => writer.WriteAsync("c", CancellationToken.None));

            busy.Store.ShouldBe("items");
            busy.RetryAfter.ShouldBe(TimeSpan.FromSeconds(3));
        }

        (await Task.WhenAll(accepted).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Length.ShouldBe(2);
        CountStored().ShouldBe(2); // the refused write never happened
    }

    [Fact]
    public async Task A_failed_batch_fails_every_caller_in_it_with_storage_unavailable_and_the_next_batch_still_commits()
    {
        var writer = Writer();
        Task<long>[] batch;
        using (writer.Hold())
        {
            batch = [writer.WriteAsync("x", CancellationToken.None), writer.WriteAsync("fail", CancellationToken.None)];
        }

        foreach (var write in batch)
        {
            var error = await Should.ThrowAsync<StorageUnavailableException>(() => write.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
            error.Store.ShouldBe("items");
        }

        CountStored().ShouldBe(0); // rolled back together

        (await writer.WriteAsync("after", TestContext.Current.CancellationToken)).ShouldBeGreaterThan(0);
        CountStored().ShouldBe(1);
    }

    [Fact]
    public async Task A_write_after_disposal_is_refused_as_storage_unavailable()
    {
        var writer = Writer();
        await writer.WriteAsync("first", TestContext.Current.CancellationToken);
        await writer.DisposeAsync();

        Should.Throw<StorageUnavailableException>(() => writer.WriteAsync("late", CancellationToken.None));
    }
}
