using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Adapters.Embedded;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Security;

/// <summary>
/// Every store commits with synchronous=FULL (2): in WAL mode a commit then syncs the log before it returns, so an
/// acknowledged payment, idempotency record or audit event survives a power loss, not only a process kill.
/// </summary>
public sealed class StoreDurabilityTests
{
    private const long Full = 2;

    private static async Task<long> SynchronousAsync(SqliteConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous;";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Theory]
    [InlineData("payments")] // payments, refunds, idempotency records, the event outbox
    [InlineData("audit")]
    [InlineData("portal")] // merchants, KYC, API keys, webhooks, processed processor events
    public async Task Write_connections_of_each_store_sync_every_commit_to_disk(string database)
    {
        await using var factory = new PortalFactory();
        var db = factory.Services.GetRequiredKeyedService<SqliteDatabase>(database);

        // Open and OpenAsync are the only ways the stores (and their group-commit writers) get a connection to write on.
        await using (var connection = db.Open())
        {
            (await SynchronousAsync(connection)).ShouldBe(Full);
        }

        await using (var connection = await db.OpenAsync(CancellationToken.None))
        {
            (await SynchronousAsync(connection)).ShouldBe(Full);
        }
    }

    [Fact]
    public async Task Identity_writes_sync_every_commit_to_disk()
    {
        await using var factory = new PortalFactory();
        await using var scope = factory.Services.CreateAsyncScope();
        var identity = scope.ServiceProvider.GetRequiredService<PortalIdentityDbContext>();

        await identity.Database.OpenConnectionAsync();
        (await SynchronousAsync((SqliteConnection)identity.Database.GetDbConnection())).ShouldBe(Full);
    }
}
