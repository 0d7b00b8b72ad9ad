using Microsoft.Data.Sqlite;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Merchants;

namespace Portal.Tests.Contract;

public sealed class SqliteMerchantStoreTests : MerchantStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-merchant-contract", Guid.NewGuid().ToString("N"));

    protected override Task<IMerchantStore> CreateStoreAsync() =>
        Task.FromResult<IMerchantStore>(new SqliteMerchantStore(new SqliteDatabase(Path.Combine(_folder, $"{Guid.NewGuid():N}.db"), EmbeddedSchemas.Portal)));

    [Fact]
    public async Task A_database_from_before_the_review_queue_gets_its_waiting_cases_into_the_queue_at_their_submission_time()
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "before-queue.db");
        var submittedAt = new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero);
        var updatedAt = submittedAt.AddHours(5);
        var waiting = Guid.NewGuid();
        var inReview = Guid.NewGuid();
        var draft = Guid.NewGuid();
        using (var old = new SqliteConnection($"Data Source={path}"))
        {
            old.Open();
            using var create = old.CreateCommand();
            // The schema as it was before the queue's columns (submitted_at, submitted_key, assigned_to).
            create.CommandText = $"""
                CREATE TABLE merchants (id TEXT PRIMARY KEY, business_name TEXT NOT NULL, name_key TEXT NOT NULL, cac_number TEXT NOT NULL, business_type TEXT,
                    registered_address TEXT, website TEXT, industry TEXT, sealed_pii BLOB NOT NULL, email_hash TEXT NOT NULL, status TEXT NOT NULL, status_note TEXT,
                    created_at INTEGER NOT NULL, created_key TEXT NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL);
                CREATE TABLE merchant_history (seq INTEGER PRIMARY KEY AUTOINCREMENT, merchant_id TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL,
                    actor_role TEXT, change TEXT NOT NULL, status TEXT NOT NULL, note TEXT);
                INSERT INTO merchants VALUES ('{waiting}', 'Waiting Ltd', 'waiting ltd', '200001', NULL, NULL, NULL, NULL, x'00', 'h1', 'Submitted', NULL, 1, '1', {updatedAt.UtcTicks}, 2);
                INSERT INTO merchants VALUES ('{inReview}', 'Reviewing Ltd', 'reviewing ltd', '200002', NULL, NULL, NULL, NULL, x'00', 'h2', 'InReview', NULL, 1, '1', {updatedAt.UtcTicks}, 3);
                INSERT INTO merchants VALUES ('{draft}', 'Draft Ltd', 'draft ltd', '200003', NULL, NULL, NULL, NULL, x'00', 'h3', 'Draft', NULL, 1, '1', {updatedAt.UtcTicks}, 1);
                INSERT INTO merchant_history (merchant_id, at, actor, change, status) VALUES ('{waiting}', {submittedAt.UtcTicks}, 'merchant', 'submitted', 'Submitted');
                """;
            create.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        var store = new SqliteMerchantStore(new SqliteDatabase(path, EmbeddedSchemas.Portal));

        var queue = (await store.QueueAsync(new MerchantQueueQuery(10), TestContext.Current.CancellationToken)).Items;
        // The submission comes from the history; without one, the last update stands in for it.
        queue.Select(m => (m.Id, m.SubmittedAt)).ShouldBe([(waiting, (DateTimeOffset?)submittedAt), (inReview, updatedAt)]);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
