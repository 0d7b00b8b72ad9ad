using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Opens each SQLite file the way its writers do, takes the write lock (BEGIN IMMEDIATE, then rolls back: nothing is
/// written) and reads back journal_mode and synchronous on that connection.
/// </summary>
internal sealed class EmbeddedDurabilityProbe(
    [FromKeyedServices("audit")] SqliteDatabase audit,
    [FromKeyedServices("portal")] SqliteDatabase portal,
    [FromKeyedServices("payments")] SqliteDatabase payments) : IStorageDurabilityProbe
{
    public async Task<IReadOnlyList<StoreDurability>> InspectAsync(CancellationToken cancellationToken)
    {
        var stores = new List<StoreDurability>();
        foreach (var (name, database) in new[] { ("audit", audit), ("portal", portal), ("payments", payments) })
        {
            stores.Add(await InspectAsync(name, database, cancellationToken));
        }

        return stores;
    }

    internal static async Task<StoreDurability> InspectAsync(string name, SqliteDatabase database, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            var journal = await PragmaAsync(connection, "journal_mode", cancellationToken);
            var synchronous = await PragmaAsync(connection, "synchronous", cancellationToken) switch
            {
                "0" => "off",
                "1" => "normal",
                "2" => "full",
                "3" => "extra",
                var other => other,
            };
            string? problem = null;
            try
            {
                await using var begin = connection.CreateCommand();
                begin.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
                await begin.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (SqliteException ex)
            {
                problem = ex.Message;
            }

            return new StoreDurability(name, problem is null, journal, synchronous, problem);
        }
        catch (Exception ex) when (ex is StorageUnavailableException or SqliteException or IOException or UnauthorizedAccessException)
        {
            return new StoreDurability(name, false, "unknown", "unknown", ex.Message);
        }
    }

    private static async Task<string> PragmaAsync(SqliteConnection connection, string pragma, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {pragma}";
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture)?.ToLowerInvariant() ?? "unknown";
    }
}
