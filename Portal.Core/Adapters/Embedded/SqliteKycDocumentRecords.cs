using Portal.Core.Kyc;

namespace Portal.Core.Adapters.Embedded;

internal sealed class SqliteKycDocumentRecords : IKycDocumentRecords
{
    private readonly SqliteDatabase _db;

    /// <summary>Version 1 of this store's tables (see <see cref="EmbeddedSchemas"/>); later changes are new steps there, not edits here.</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS kyc_documents (
            merchant_id TEXT    NOT NULL,
            type        TEXT    NOT NULL,
            version_id  TEXT    NOT NULL,
            format      TEXT    NOT NULL,
            length      INTEGER NOT NULL,
            sha256      TEXT    NOT NULL,
            uploaded_at INTEGER NOT NULL,
            uploaded_by TEXT    NOT NULL,
            state       TEXT    NOT NULL,
            reason      TEXT,
            PRIMARY KEY (merchant_id, type, version_id)
        );
        """;

    public SqliteKycDocumentRecords(SqliteDatabase db)
    {
        _db = db;
    }

    public async Task AddAsync(KycDocumentVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO kyc_documents (merchant_id, type, version_id, format, length, sha256, uploaded_at, uploaded_by, state, reason)
            VALUES ($merchant, $type, $version, $format, $length, $sha, $at, $by, $state, $reason)
            """;
        command.With("$merchant", version.MerchantId.ToString()).With("$type", version.Type.ToString()).With("$version", version.VersionId)
            .With("$format", version.Format.ToString()).With("$length", version.Length).With("$sha", version.Sha256).With("$at", version.UploadedAt.UtcTicks)
            .With("$by", version.UploadedBy).With("$state", version.State.ToString()).With("$reason", version.Reason);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveAsync(Guid merchantId, DocumentType type, string versionId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM kyc_documents WHERE merchant_id = $merchant AND type = $type AND version_id = $version";
        command.With("$merchant", merchantId.ToString()).With("$type", type.ToString()).With("$version", versionId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> SetStateAsync(Guid merchantId, DocumentType type, string versionId, DocumentState expectedState, DocumentState state, string? reason,
        CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE kyc_documents SET state = $state, reason = $reason
            WHERE merchant_id = $merchant AND type = $type AND version_id = $version AND state = $expected
            """;
        command.With("$merchant", merchantId.ToString()).With("$type", type.ToString()).With("$version", versionId)
            .With("$expected", expectedState.ToString()).With("$state", state.ToString()).With("$reason", reason);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<KycDocumentVersion>> ListAsync(Guid merchantId, CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT type, version_id, format, length, sha256, uploaded_at, uploaded_by, state, reason FROM kyc_documents
            WHERE merchant_id = $merchant ORDER BY uploaded_at DESC, version_id DESC
            """;
        command.With("$merchant", merchantId.ToString());
        var versions = new List<KycDocumentVersion>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new KycDocumentVersion(merchantId, Enum.Parse<DocumentType>(reader.GetString(0)), reader.GetString(1), Enum.Parse<DocumentFormat>(reader.GetString(2)),
                reader.GetInt64(3), reader.GetString(4), new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero), reader.GetString(6),
                Enum.Parse<DocumentState>(reader.GetString(7)), reader.GetStringOrNull(8)));
        }

        return versions;
    }
}
