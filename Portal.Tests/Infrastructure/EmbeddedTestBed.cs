using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// What every service test over the real embedded adapters needs: its own temp folder (deleted afterwards), a fake clock
/// at a fixed instant, a local key ring and a chained audit log. Databases are opened by file name inside the folder.
/// </summary>
internal sealed class EmbeddedTestBed : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    public EmbeddedTestBed(string purpose)
    {
        Folder = Path.Combine(Path.GetTempPath(), "portal-" + purpose, Guid.NewGuid().ToString("N"));
        Keys = new LocalKeyRing(Path.Combine(Folder, "keys", "master.key"));
        AuditLog = new SqliteAuditLog(Database("audit.db", EmbeddedSchemas.Audit), new AuditChain(Keys.DeriveKey("audit")), Clock, NullLogger<SqliteAuditLog>.Instance);
        Audit = new AuditService(AuditLog, Clock);
    }

    public string Folder { get; }

    public FakeTimeProvider Clock { get; } = new(Start);

    public LocalKeyRing Keys { get; }

    /// <summary>The audit trail as features use it.</summary>
    public AuditService Audit { get; }

    /// <summary>The port under <see cref="Audit"/>.</summary>
    public SqliteAuditLog AuditLog { get; }

    /// <summary>A database with the schema of the given store file (<see cref="EmbeddedSchemas.Portal"/> unless said).</summary>
    public SqliteDatabase Database(string fileName, SqliteSchema? schema = null) =>
        new(Path.Combine(Folder, fileName), schema ?? (fileName == "payments.db" ? EmbeddedSchemas.Payments : EmbeddedSchemas.Portal));

    public string PathOf(string name) => Path.Combine(Folder, name);

    public async ValueTask DisposeAsync()
    {
        await AuditLog.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a background writer: the temp folder is cleaned by the OS instead of failing the test.
        }
    }
}
