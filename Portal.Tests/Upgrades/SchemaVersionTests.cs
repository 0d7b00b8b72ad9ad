using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Adapters.Embedded;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Upgrades;

/// <summary>Start-up brings every database of the data folder to the code's schema, and refuses one from a newer release.</summary>
[Collection(DataFolderSnapshots.Name)]
public sealed class SchemaVersionTests
{
    private static readonly string[] Files = ["payments.db", "audit.db", "portal.db", "identity.db"];

    private static long UserVersion(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// The hash of every database file and the size of its WAL, if any: a refusal writes to neither. (Reading a WAL-mode
    /// file's version read-only may leave an empty -wal beside it; empty, it holds nothing.)
    /// </summary>
    private static Dictionary<string, string> Hashes(string folder) =>
        Files.ToDictionary(f => f, f =>
        {
            var wal = new FileInfo(Path.Combine(folder, f + "-wal"));
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, f)))) + (wal.Exists && wal.Length > 0 ? $" +wal {wal.Length}" : "");
        });

    [Fact]
    public async Task An_empty_folder_gets_every_database_at_the_latest_version()
    {
        var factory = new PortalFactory();
        await using (factory)
        {
            using var client = factory.CreateClient();
            (await client.GetAsync("/health/ready")).EnsureSuccessStatusCode();
            await using var scope = factory.Services.CreateAsyncScope();
            (await scope.ServiceProvider.GetRequiredService<PortalIdentityDbContext>().Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken)).ShouldBeEmpty();
            foreach (var schema in EmbeddedSchemas.All.Values)
            {
                UserVersion(Path.Combine(factory.DataPath, schema.FileName)).ShouldBe(schema.Latest, schema.FileName);
            }
        }
    }

    [Fact]
    public async Task A_folder_from_the_release_before_versions_is_recognised_as_version_one_and_brought_to_the_latest()
    {
        var factory = new PortalFactory();
        DataFixtures.CopyData("data-v1", factory.DataPath);
        UserVersion(Path.Combine(factory.DataPath, "portal.db")).ShouldBe(0);
        await using (factory)
        {
            using var client = factory.CreateClient();
            (await client.GetAsync("/health/ready")).EnsureSuccessStatusCode();
            foreach (var schema in EmbeddedSchemas.All.Values)
            {
                UserVersion(Path.Combine(factory.DataPath, schema.FileName)).ShouldBe(schema.Latest, schema.FileName);
            }
        }
    }

    [Theory]
    [InlineData("payments.db")]
    [InlineData("audit.db")]
    [InlineData("portal.db")]
    public async Task A_database_newer_than_the_code_is_refused_at_start_up_and_nothing_is_written(string file)
    {
        var factory = new PortalFactory();
        DataFixtures.CopyData("data-v1", factory.DataPath);
        var latest = EmbeddedSchemas.All.Values.Single(s => s.FileName == file).Latest;
        var path = Path.Combine(factory.DataPath, file);
        Execute(path, $"PRAGMA user_version = {latest + 1}");
        var before = Hashes(factory.DataPath);

        try
        {
            var refused = Should.Throw<Exception>(() => factory.CreateClient());

            refused.ToString().ShouldContain($"{path} has schema version {latest + 1}, but this release of the portal knows versions up to {latest}");
        }
        finally
        {
            await factory.DisposeWithoutDeletingAsync();
        }

        Hashes(factory.DataPath).ShouldBe(before);
        UserVersion(path).ShouldBe(latest + 1);
        Directory.Delete(factory.DataPath, recursive: true);
    }

    [Fact]
    public async Task An_identity_database_with_a_migration_the_code_does_not_know_is_refused_and_nothing_is_written()
    {
        var factory = new PortalFactory();
        DataFixtures.CopyData("data-v1", factory.DataPath);
        var path = Path.Combine(factory.DataPath, "identity.db");
        Execute(path, "INSERT INTO __EFMigrationsHistory (MigrationId, ProductVersion) VALUES ('29991231000000_FromANewerRelease', '10.0.0')");
        var before = Hashes(factory.DataPath);

        try
        {
            var refused = Should.Throw<Exception>(() => factory.CreateClient());

            refused.ToString().ShouldContain($"{path} has migrations this release of the portal does not know (29991231000000_FromANewerRelease");
        }
        finally
        {
            await factory.DisposeWithoutDeletingAsync();
        }

        Hashes(factory.DataPath).ShouldBe(before);
        Directory.Delete(factory.DataPath, recursive: true);
    }
}
