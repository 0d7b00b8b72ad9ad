using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// The schema history of every embedded SQLite file, oldest step first. Version 1 is the schema of the release before
/// schema versions existed, written with IF NOT EXISTS, so a data folder from that release (user_version 0, tables
/// present) becomes version 1 without losing anything. To change a schema, append a step with the next number (never
/// edit or reorder a released one), and commit a fixture of the previous release first (Portal.Tests/Fixtures).
/// identity.db is EF Core's: its migrations live in Portal/Auth/Migrations.
/// </summary>
internal static class EmbeddedSchemas
{
    public static readonly SqliteSchema Payments = new(EmbeddedDatabases.Payments,
    [
        new(1, "payments, idempotency, refunds, customers, payment_stats, outbox", s => s.Execute(SqlitePaymentStore.Schema)),
        new(2, "outbox trace id (issue 19)", s => s.Execute(SqlitePaymentStore.OutboxTraceId)),
    ]);

    public static readonly SqliteSchema Audit = new(EmbeddedDatabases.Audit,
    [
        new(1, "audit_events", s => s.Execute(SqliteAuditLog.Schema)),
        new(2, "audit explorer indexes (role, source IP, target)", s => s.Execute(SqliteAuditLog.ExplorerIndexes)),
        new(3, "audit actor-name index (the actor filter matches id or name)", s => s.Execute(SqliteAuditLog.ActorNameIndex)),
        new(4, "audit trace id (issue 19) and its index", s => s.Execute(SqliteAuditLog.TraceIdColumn)),
    ]);

    public static readonly SqliteSchema Portal = new(EmbeddedDatabases.Portal,
    [
        new(1, "api_keys, merchants, kyc_documents, processed_webhook_events, webhook endpoints and deliveries", s =>
        {
            s.Execute(SqliteApiKeyStore.Schema);
            SqliteMerchantStore.CreateSchema(s);
            s.Execute(SqliteKycDocumentRecords.Schema);
            s.Execute(SqliteProcessedWebhookEvents.Schema);
            s.Execute(SqliteWebhookStore.Schema);
        }),
        new(2, "fraud review cases", s => s.Execute(SqliteFraudCaseStore.Schema)),
        new(3, "fraud allow/block lists, rule versions and draft", s => s.Execute(SqliteFraudStore.Schema)),
        new(4, "disputes", s => s.Execute(SqliteDisputeStore.Schema)),
        new(5, "webhook events a dispute owes (written with the dispute, moved to the outbox after)", s => s.Execute(SqliteDisputeStore.PendingEventsSchema)),
        new(6, "four-eyes: a merchant's pending KYB proposal", s => s.Execute(SqliteMerchantStore.ProposalColumn)),
        new(7, "webhook deliveries' trace id (issue 19)", s => s.Execute(SqliteWebhookStore.DeliveryTraceId)),
    ]);

    /// <summary>Keyed by the service key each database is registered under.</summary>
    public static readonly IReadOnlyDictionary<string, SqliteSchema> All = new Dictionary<string, SqliteSchema>
    {
        ["payments"] = Payments,
        ["audit"] = Audit,
        ["portal"] = Portal,
    };
}

/// <summary>
/// Start-up of the embedded databases: first every file's version is read (nothing written), so a data folder holding
/// one file from a newer release is refused whole; then each database is opened, which migrates it.
/// </summary>
public sealed class EmbeddedDatabaseStartup(EmbeddedDataFolder folder, IServiceProvider services)
{
    /// <summary>Throws <see cref="SchemaTooNewException"/> naming the first file that a newer release wrote.</summary>
    public void RefuseNewerSchemas()
    {
        foreach (var schema in EmbeddedSchemas.All.Values)
        {
            SqliteMigrations.RefuseIfNewer(folder.File(schema.FileName), schema);
        }
    }

    public void Migrate()
    {
        foreach (var key in EmbeddedSchemas.All.Keys)
        {
            services.GetRequiredKeyedService<SqliteDatabase>(key);
        }
    }
}
