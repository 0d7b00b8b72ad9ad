using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Reads each SQLite file's schema version: it opens the file and reads its header page, and nothing else. And checks
/// that the key ring on disk is still the one the data was sealed with (<see cref="KeyCustody"/>): an instance whose key
/// ring went missing would not start again, so it should not be sent traffic either.
/// </summary>
internal sealed class EmbeddedStorageProbe(
    EmbeddedDataFolder folder,
    Security.IKeyRing keyRing,
    [FromKeyedServices("audit")] SqliteDatabase audit,
    [FromKeyedServices("portal")] SqliteDatabase portal,
    [FromKeyedServices("payments")] SqliteDatabase payments) : IStorageProbe
{
    public async Task<IReadOnlyList<string>> UnreachableAsync(CancellationToken cancellationToken)
    {
        var unreachable = new List<string>();
        foreach (var (name, database) in new[] { ("audit", audit), ("portal", portal), ("payments", payments) })
        {
            try
            {
                await using var connection = await database.OpenReadAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA schema_version";
                await command.ExecuteScalarAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is StorageUnavailableException or SqliteException or IOException or UnauthorizedAccessException)
            {
                unreachable.Add(name);
            }
        }

        if (KeyCustody.Problem(folder, keyRing) is { } keyProblem)
        {
            unreachable.Add(keyProblem);
        }

        return unreachable;
    }
}
