using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Audit.Export;

// Audit export benchmark (issue 18): seeds a temp data folder through the SQLite audit adapter in batches, then exports
// the whole log (CSV and JSON Lines, to a null stream, signed manifest included) at each size, printing rows/s and the
// peak working set sampled during the export. Usage: dotnet run -c Release --project bench/AuditExportBench [-- 100000 500000 1000000]
var sizes = args.Length > 0 ? args.Select(long.Parse).ToArray() : [100_000L, 500_000L, 1_000_000L];
var folder = Path.Combine(Path.GetTempPath(), "audit-export-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(folder);
try
{
    var clock = TimeProvider.System;
    var keys = new LocalKeyRing(Path.Combine(folder, "keys", "master.key"));
    await using var log = new SqliteAuditLog(new SqliteDatabase(Path.Combine(folder, "audit.db"), EmbeddedSchemas.Audit), new AuditChain(keys.DeriveKey("audit")), clock,
        NullLogger<SqliteAuditLog>.Instance, new GroupCommitOptions { MaxBatch = 4096, Capacity = 16_384 });
    var audit = new AuditService(log, clock);
    using var signer = new AuditExportSigner(keys);
    var exporter = new AuditExporter(audit, signer, clock);
    Console.WriteLine($"load average before: {LoadAverage()}; {Environment.ProcessorCount} cores");
    Console.WriteLine("rows       format  seconds  rows/s      peak working set during export (MB)  baseline (MB)");
    long seeded = 0;
    foreach (var size in sizes)
    {
        var seedWatch = Stopwatch.StartNew();
        while (seeded < size)
        {
            var batch = (int)Math.Min(4096, size - seeded);
            var start = seeded;
            await Task.WhenAll(Enumerable.Range(0, batch).Select(i => log.AppendAsync(
                new Actor($"u-{(start + i) % 50}", $"user{(start + i) % 50}@example.com", (start + i) % 3 == 0 ? "Admin" : "Compliance", null, "10.0.0." + ((start + i) % 200)),
                new AuditEntry((start + i) % 4 == 0 ? AuditActions.MerchantApproved : AuditActions.PaymentViewed, AuditOutcome.Success, $"pay_{start + i:D12}", "bench detail text"))));
            seeded += batch;
        }

        Console.Error.WriteLine($"seeded {seeded} events ({seedWatch.Elapsed.TotalSeconds:F1} s)");
        foreach (var format in new[] { AuditExportFileFormat.Csv, AuditExportFileFormat.JsonLines })
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            var baseline = process.WorkingSet64;
            var peak = baseline;
            using var stop = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                using var p = Process.GetCurrentProcess();
                while (!stop.IsCancellationRequested)
                {
                    p.Refresh();
                    peak = Math.Max(peak, p.WorkingSet64);
                    try { await Task.Delay(5, stop.Token); } catch (OperationCanceledException) { }
                }
            });
            var watch = Stopwatch.StartNew();
            var manifest = await exporter.WriteAsync(Stream.Null, new AuditFilter(), format, Actor.System, "bench");
            watch.Stop();
            await stop.CancelAsync();
            await sampler;
            var rows = manifest.Rows;
            Console.WriteLine($"{rows,-10} {format,-7} {watch.Elapsed.TotalSeconds,7:F2}  {rows / watch.Elapsed.TotalSeconds,10:N0}  {peak / 1048576.0,10:F1}                          {baseline / 1048576.0,8:F1}");
        }
    }

    Console.WriteLine($"load average after: {LoadAverage()}");
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(folder, recursive: true);
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
