using System.Net;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core;
using Portal.Core.Adapters.Aws;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Storage;

/// <summary>Adapters translate their engine's failures into <see cref="StorageUnavailableException"/>; domain answers stay as they are.</summary>
public sealed class StorageErrorTranslationTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-storage-errors", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Another process holding the file exclusively: every other connection gets SQLITE_BUSY.</summary>
    internal static SqliteConnection LockExclusively(SqliteDatabase db)
    {
        db.CloseIdleConnections(); // pooled connections of this file would otherwise hold the WAL index open
        var locker = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db.Path, Pooling = false, DefaultTimeout = 5 }.ToString());
        locker.Open();
        using var command = locker.CreateCommand();
        command.CommandText = "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS lock_probe (x); INSERT INTO lock_probe VALUES (1); COMMIT;";
        command.ExecuteNonQuery();
        return locker;
    }

    [Fact]
    public async Task A_locked_merchant_database_surfaces_as_storage_unavailable_not_as_an_engine_exception()
    {
        var db = new SqliteDatabase(Path.Combine(_folder, "portal.db"), EmbeddedSchemas.Portal, busyTimeout: TimeSpan.FromMilliseconds(200));
        var store = new SqliteMerchantStore(db);
        await using var _ = store;
        using (LockExclusively(db))
        {
            var error = await Should.ThrowAsync<StorageUnavailableException>(() => store.GetAsync(Guid.NewGuid(), TestContext.Current.CancellationToken));
            error.InnerException.ShouldBeOfType<SqliteException>();
        }

        (await store.GetAsync(Guid.NewGuid(), TestContext.Current.CancellationToken)).ShouldBeNull(); // answers again once released
    }

    [Fact]
    public async Task A_locked_payment_database_fails_the_write_and_the_hot_reads_as_storage_unavailable()
    {
        var db = new SqliteDatabase(Path.Combine(_folder, "payments.db"), EmbeddedSchemas.Payments, busyTimeout: TimeSpan.FromMilliseconds(200));
        var store = new SqlitePaymentStore(db, TimeProvider.System, NullLogger<SqlitePaymentStore>.Instance);
        await using var _ = store;
        using (LockExclusively(db))
        {
            await Should.ThrowAsync<StorageUnavailableException>(() => store.GetIdempotencyAsync(Guid.NewGuid(), "payments", "k", TestContext.Current.CancellationToken));
            await Should.ThrowAsync<StorageUnavailableException>(() => store.WriteAsync(new PaymentWrite { DispatchedEvents = [Guid.NewGuid()] }, TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public void Busy_and_io_errors_are_storage_failures_while_constraint_and_sql_errors_stay_engine_errors()
    {
        StorageConnection.IsUnavailable(new SqliteException("UNIQUE constraint failed: merchants.cac_number", 19)).ShouldBeFalse();
        StorageConnection.IsUnavailable(new SqliteException("database is locked", 5)).ShouldBeTrue();
        StorageConnection.IsUnavailable(new SqliteException("disk I/O error", 10 | (3 << 8))).ShouldBeTrue(); // extended IOERR_WRITE
        StorageConnection.IsUnavailable(new SqliteException("no such table: x", 1)).ShouldBeFalse(); // a bug stays a bug (500)
    }

    public static TheoryData<string, bool> DynamoFailures() => new()
    {
        { "throughput", true },
        { "request-limit", true },
        { "internal", true },
        { "service-503", true },
        { "unreachable", true },
        { "conditional-check", false },
        { "transaction-cancelled", false },
        { "validation-400", false },
    };

    private static Exception Dynamo(string kind) => kind switch
    {
        "throughput" => new ProvisionedThroughputExceededException("slow down"),
        "request-limit" => new RequestLimitExceededException("slow down"),
        "internal" => new InternalServerErrorException("oops"),
        "service-503" => new Amazon.DynamoDBv2.AmazonDynamoDBException("unavailable", ErrorType.Receiver, "ServiceUnavailable", "r", HttpStatusCode.ServiceUnavailable),
        "unreachable" => new AmazonClientException("could not connect", new HttpRequestException("connection refused")),
        "conditional-check" => new ConditionalCheckFailedException("taken"),
        "transaction-cancelled" => new TransactionCanceledException("cancelled"),
        _ => new Amazon.DynamoDBv2.AmazonDynamoDBException("bad request", ErrorType.Sender, "ValidationException", "r", HttpStatusCode.BadRequest),
    };

    [Theory]
    [MemberData(nameof(DynamoFailures))]
    public async Task Dynamo_throttling_and_unreachable_service_become_storage_unavailable_and_conditional_failures_stay(string kind, bool unavailable)
    {
        var call = Task.FromException<int>(Dynamo(kind));

        var thrown = await Should.ThrowAsync<Exception>(() => DynamoErrors.Guard(call, "payments", CancellationToken.None));

        (thrown is StorageUnavailableException { Store: "payments" }).ShouldBe(unavailable);
        if (!unavailable)
        {
            thrown.ShouldBeSameAs(call.Exception!.InnerException);
        }
    }

    [Fact]
    public async Task The_callers_own_cancellation_stays_a_cancellation()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => DynamoErrors.Guard(Task.FromCanceled<int>(cancelled.Token), "payments", cancelled.Token));
    }
}
