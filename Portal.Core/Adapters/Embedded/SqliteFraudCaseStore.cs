using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portal.Core.Fraud.Review;
using Portal.Core.Payments;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Fraud review cases in the "portal" database. One case per payment is a unique index; the queues read the status index
/// newest first. Factors and notes are JSON columns (read whole with the case, never queried).
/// </summary>
internal sealed class SqliteFraudCaseStore(SqliteDatabase db) : IFraudCaseStore
{
    private const string Columns =
        "id, payment_id, merchant_id, amount, currency, customer_id, score, factors, status, assignee_id, assignee_name, notes, created_at, due_at, updated_at, updated_by, version";

    private const int OutcomePage = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>This store's tables, appended as one step of <see cref="EmbeddedSchemas.Portal"/>; later changes are new steps there, not edits here.</summary>
    internal const string Schema = """
        CREATE TABLE IF NOT EXISTS fraud_cases (
            id            TEXT PRIMARY KEY,
            payment_id    TEXT    NOT NULL,
            merchant_id   TEXT    NOT NULL,
            amount        INTEGER NOT NULL,
            currency      TEXT    NOT NULL,
            customer_id   TEXT    NOT NULL,
            score         INTEGER NOT NULL,
            factors       TEXT    NOT NULL,
            status        TEXT    NOT NULL,
            assignee_id   TEXT,
            assignee_name TEXT,
            notes         TEXT    NOT NULL,
            created_at    INTEGER NOT NULL,
            due_at        INTEGER NOT NULL,
            updated_at    INTEGER NOT NULL,
            updated_by    TEXT,
            version       INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS ux_fraud_cases_payment ON fraud_cases(payment_id);
        CREATE INDEX IF NOT EXISTS ix_fraud_cases_status ON fraud_cases(status, created_at DESC, id DESC);
        """;

    public async Task<FraudCaseWriteOutcome> CreateAsync(FraudCase fraudCase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fraudCase);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO fraud_cases ({Columns}) VALUES ($id, $payment, $merchant, $amount, $currency, $customer, $score, $factors, $status, " +
                              "$assignee, $assignee_name, $notes, $created, $due, $updated, $updated_by, $version) ON CONFLICT DO NOTHING";
        Bind(command, fraudCase);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? FraudCaseWriteOutcome.Done : FraudCaseWriteOutcome.Duplicate;
    }

    public Task<FraudCase?> GetAsync(Guid id, CancellationToken cancellationToken) => GetOneAsync("id", id, cancellationToken);

    public Task<FraudCase?> GetByPaymentAsync(Guid paymentId, CancellationToken cancellationToken) => GetOneAsync("payment_id", paymentId, cancellationToken);

    public async Task<FraudCaseWriteOutcome> UpdateAsync(FraudCase fraudCase, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fraudCase);
        await using var connection = await db.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Id, payment and opening facts never change; the rest is replaced at the expected version only.
        command.CommandText = """
            UPDATE fraud_cases SET status = $status, assignee_id = $assignee, assignee_name = $assignee_name, notes = $notes, due_at = $due,
                updated_at = $updated, updated_by = $updated_by, version = $version
            WHERE id = $id AND version = $expected
            """;
        Bind(command, fraudCase);
        command.With("$expected", expectedVersion);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return FraudCaseWriteOutcome.Done;
        }

        return await GetAsync(fraudCase.Id, cancellationToken) is null ? FraudCaseWriteOutcome.NotFound : FraudCaseWriteOutcome.VersionConflict;
    }

    public async Task<IReadOnlyList<FraudCase>> ListByStatusAsync(FraudCaseStatus status, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM fraud_cases WHERE status = $status ORDER BY created_at DESC, id DESC LIMIT $limit";
        command.With("$status", FraudCaseStatuses.Name(status)).With("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<FraudCase>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(Read(reader));
        }

        return items;
    }

    public async IAsyncEnumerable<Guid> ConfirmedFraudPaymentsAsync(DateTimeOffset openedFrom, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var status in FraudCaseStatuses.ConfirmedFraud)
        {
            // ix_fraud_cases_status (status, created_at, id): a range read of the index, keyset-paged so no reader stays open between pages.
            var after = (Ticks: openedFrom.UtcTicks - 1, Id: "");
            while (true)
            {
                var page = new List<(long Ticks, string Id, Guid Payment)>(OutcomePage);
                await using (var connection = await db.OpenReadAsync(cancellationToken))
                await using (var command = connection.CreateCommand())
                {
                    command.CommandText = """
                        SELECT created_at, id, payment_id FROM fraud_cases INDEXED BY ix_fraud_cases_status
                        WHERE status = $status AND (created_at > $ticks OR (created_at = $ticks AND id > $id))
                        ORDER BY created_at, id LIMIT $limit
                        """;
                    command.With("$status", FraudCaseStatuses.Name(status)).With("$ticks", after.Ticks).With("$id", after.Id).With("$limit", OutcomePage);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        page.Add((reader.GetInt64(0), reader.GetString(1), Guid.Parse(reader.GetString(2))));
                    }
                }

                foreach (var row in page)
                {
                    yield return row.Payment;
                }

                if (page.Count < OutcomePage)
                {
                    break;
                }

                after = (page[^1].Ticks, page[^1].Id);
            }
        }
    }

    private async Task<FraudCase?> GetOneAsync(string column, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM fraud_cases WHERE {column} = $id";
        command.With("$id", id.ToString());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static void Bind(SqliteCommand command, FraudCase c) =>
        command.With("$id", c.Id.ToString()).With("$payment", c.PaymentId.ToString()).With("$merchant", c.MerchantId.ToString())
            .With("$amount", c.Amount).With("$currency", c.Currency).With("$customer", c.CustomerId).With("$score", c.Score)
            .With("$factors", JsonSerializer.Serialize(c.Factors, Json)).With("$status", FraudCaseStatuses.Name(c.Status))
            .With("$assignee", c.AssigneeId).With("$assignee_name", c.AssigneeName).With("$notes", JsonSerializer.Serialize(c.Notes, Json))
            .With("$created", c.CreatedAt.UtcTicks).With("$due", c.DueAt.UtcTicks).With("$updated", c.UpdatedAt.UtcTicks)
            .With("$updated_by", c.UpdatedBy).With("$version", c.Version);

    private static FraudCase Read(SqliteDataReader r) => new(
        Guid.Parse(r.GetString(0)),
        Guid.Parse(r.GetString(1)),
        Guid.Parse(r.GetString(2)),
        r.GetInt64(3),
        r.GetString(4),
        r.GetString(5),
        r.GetInt32(6),
        JsonSerializer.Deserialize<List<FraudFactor>>(r.GetString(7), Json) ?? [],
        FraudCaseStatuses.Parse(r.GetString(8)),
        r.GetStringOrNull(9),
        r.GetStringOrNull(10),
        JsonSerializer.Deserialize<List<FraudCaseNote>>(r.GetString(11), Json) ?? [],
        new DateTimeOffset(r.GetInt64(12), TimeSpan.Zero),
        new DateTimeOffset(r.GetInt64(13), TimeSpan.Zero),
        new DateTimeOffset(r.GetInt64(14), TimeSpan.Zero),
        r.GetStringOrNull(15),
        r.GetInt64(16));
}
