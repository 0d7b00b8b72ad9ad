using Microsoft.Data.Sqlite;
using Portal.Core.ApiKeys;

namespace Portal.Core.Adapters.Embedded;

internal sealed class SqliteApiKeyStore : IApiKeyStore
{
    private const string Columns = "id, merchant_id, name, prefix, created_by, created_at, last_used_at, revoked_at";
    private readonly SqliteDatabase _db;

    /// <summary>Version 1 of this store's tables (see <see cref="EmbeddedSchemas"/>); later changes are new steps there, not edits here.</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS api_keys (
            id           TEXT PRIMARY KEY,
            merchant_id  TEXT    NOT NULL,
            name         TEXT    NOT NULL,
            prefix       TEXT    NOT NULL,
            secret_hash  TEXT    NOT NULL UNIQUE,
            created_by   TEXT    NOT NULL,
            created_at   INTEGER NOT NULL,
            last_used_at INTEGER,
            revoked_at   INTEGER
        );
        CREATE INDEX IF NOT EXISTS ix_api_keys_merchant ON api_keys(merchant_id, created_at DESC);
        """;

    public SqliteApiKeyStore(SqliteDatabase db)
    {
        _db = db;
    }

    public async Task AddAsync(ApiKey key, string secretHash, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO api_keys ({Columns}, secret_hash) VALUES ($id, $merchant, $name, $prefix, $by, $at, NULL, NULL, $hash)";
        command.With("$id", key.Id.ToString()).With("$merchant", key.MerchantId.ToString()).With("$name", key.Name)
            .With("$prefix", key.Prefix).With("$by", key.CreatedBy).With("$at", key.CreatedAt.ToUnixTimeMilliseconds()).With("$hash", secretHash);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(Guid merchantId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM api_keys WHERE merchant_id = $merchant ORDER BY created_at DESC";
        command.With("$merchant", merchantId.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Read(reader));
        }

        return keys;
    }

    public async Task<ApiKey?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM api_keys WHERE secret_hash = $hash";
        command.With("$hash", secretHash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<bool> RevokeAsync(Guid merchantId, Guid keyId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_keys SET revoked_at = $at WHERE id = $id AND merchant_id = $merchant AND revoked_at IS NULL";
        command.With("$at", at.ToUnixTimeMilliseconds()).With("$id", keyId.ToString()).With("$merchant", merchantId.ToString());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task TouchAsync(Guid keyId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_keys SET last_used_at = $at WHERE id = $id";
        command.With("$at", at.ToUnixTimeMilliseconds()).With("$id", keyId.ToString());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ApiKey Read(SqliteDataReader r) => new(
        Guid.Parse(r.GetString(0)),
        Guid.Parse(r.GetString(1)),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
        r.GetInt64OrNull(6) is { } used ? DateTimeOffset.FromUnixTimeMilliseconds(used) : null,
        r.GetInt64OrNull(7) is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null);
}
