// Merchant listing cost at 1,000 and 1,000,000 merchants in the embedded store (SQLite), through the real adapter.
// Seeding goes straight to the adapter's table in large transactions (the bench measures reads, not 1M registrations).
// Usage: dotnet run -c Release --project bench/MerchantListBench [-- --large 1000000 --queries 2000]
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Merchants;

var large = ArgValue("--large", 1_000_000);
var queries = ArgValue("--queries", 2_000);
var folder = Path.Combine(Path.GetTempPath(), "portal-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(folder);
try
{
    var results = new List<string>();
    foreach (var size in new[] { 1_000, large })
    {
        var path = Path.Combine(folder, $"merchants-{size}.db");
        var store = new SqliteMerchantStore(new SqliteDatabase(path, EmbeddedSchemas.Portal));
        var seed = Stopwatch.StartNew();
        Seed(path, size);
        Console.WriteLine($"seeded {size:N0} merchants in {seed.Elapsed.TotalSeconds:F1} s");
        foreach (var (name, query) in Scenarios(size))
        {
            var (p50, p99) = await MeasureAsync(store, query, queries);
            results.Add($"| {size,9:N0} | {name,-36} | {p50,8:F3} | {p99,8:F3} |");
        }
    }

    Console.WriteLine();
    Console.WriteLine("| merchants | list query (page of 20)               | p50 (ms) | p99 (ms) |");
    Console.WriteLine("|-----------|--------------------------------------|----------|----------|");
    results.ForEach(Console.WriteLine);
}
finally
{
    SqliteConnection.ClearAllPools();
    Directory.Delete(folder, recursive: true);
}

static IEnumerable<(string, Func<Random, MerchantListQuery>)> Scenarios(int size) =>
[
    ("newest first, first page", _ => new MerchantListQuery(20)),
    ("random deep page (keyset)", r => new MerchantListQuery(20, After: new MerchantKeyset(MerchantSort.CreatedKey(BenchClock.Start.AddMilliseconds((20 + r.Next(size - 20)) * 500.0)), Guid.Empty))),
    ("status = submitted", _ => new MerchantListQuery(20, Status: MerchantStatus.Submitted)),
    ("exact CAC number", r => new MerchantListQuery(20, CacNumber: (100_000 + r.Next(0, 900)).ToString(CultureInfo.InvariantCulture))),
    ("business-name prefix", r => new MerchantListQuery(20, NamePrefix: "Shop " + r.Next(1, 9))),
];

static async Task<(double P50, double P99)> MeasureAsync(SqliteMerchantStore store, Func<Random, MerchantListQuery> make, int count)
{
    var random = new Random(42);
    for (var i = 0; i < 1_000; i++)
    {
        await store.ListAsync(make(random), CancellationToken.None); // warm-up: JIT and page cache, so sizes compare fairly
    }

    var samples = new double[count];
    for (var i = 0; i < count; i++)
    {
        var query = make(random);
        var started = Stopwatch.GetTimestamp();
        var page = await store.ListAsync(query, CancellationToken.None);
        samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (page.Items.Count == 0 && query.CacNumber is null)
        {
            throw new InvalidOperationException("An empty page: the seed or the query is wrong.");
        }
    }

    Array.Sort(samples);
    return (samples[(int)(count * 0.50)], samples[(int)(count * 0.99)]);
}

static void Seed(string path, int count)
{
    using var connection = new SqliteConnection($"Data Source={path}");
    connection.Open();
    var statuses = Enum.GetValues<MerchantStatus>();
    const int batch = 50_000;
    for (var start = 0; start < count; start += batch)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO merchants (id, business_name, name_key, cac_number, business_type, registered_address, website, industry, sealed_pii, email_hash,
                status, status_note, created_at, created_key, updated_at, version)
            VALUES ($id, $name, $name_key, $cac, 'LimitedLiabilityCompany', 'Lagos', NULL, 'Retail', zeroblob(180), $email, $status, NULL, $at, $key, $at, 1)
            """;
        var parameters = new[] { "$id", "$name", "$name_key", "$cac", "$email", "$status", "$at", "$key" }.Select(n => insert.Parameters.Add(n, SqliteType.Text)).ToArray();
        insert.Prepare();
        for (var i = start; i < Math.Min(count, start + batch); i++)
        {
            // CAC numbers are 6 digits, so sizes above 900,000 use a 7th character only in the bench (the app never does).
            var at = BenchClock.Start.AddMilliseconds(i * 500.0);
            var name = $"Shop {i % 9 + 1} {i:D7}";
            parameters[0].Value = Guid.CreateVersion7(at).ToString();
            parameters[1].Value = name;
            parameters[2].Value = MerchantSort.NormaliseName(name);
            parameters[3].Value = (100_000 + i).ToString(CultureInfo.InvariantCulture);
            parameters[4].Value = i.ToString("x16", CultureInfo.InvariantCulture);
            parameters[5].Value = statuses[i % statuses.Length].ToString();
            parameters[6].Value = at.UtcTicks;
            parameters[7].Value = MerchantSort.CreatedKey(at);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    using var analyze = connection.CreateCommand();
    analyze.CommandText = "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);";
    analyze.ExecuteNonQuery();
}

int ArgValue(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal static class BenchClock
{
    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
