using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Reliability;

/// <summary>One portal per data folder: a second one, in another process, is turned away before it writes anything.</summary>
[Collection(DataFolderSnapshots.Name)]
public sealed class SingleInstanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_portal_process_on_the_same_data_folder_is_refused_before_it_writes_and_the_first_keeps_serving()
    {
        await using var first = new PortalFactory();
        var token = await first.StaffTokenAsync(PortalRoles.Compliance); // identity, audit and data-protection files exist
        // The first portal checkpoints its WALs on its own schedule (moving pages into the .db files without writing
        // anything new): fold them in now, so the comparison below sees only what the second portal might write.
        CheckpointDatabases(first.DataPath);
        var before = await DataFolderSnapshot.TakeWhenSettledAsync(first.DataPath, Ct);

        var (exitCode, output) = await RunSecondPortalAsync(first.DataPath);

        exitCode.ShouldNotBe(0, output);
        output.ShouldContain($"The data folder {first.DataPath} is in use by another portal");
        output.ShouldContain($"process {Environment.ProcessId} on {Environment.MachineName}, started "); // this test process holds it
        DataFolderSnapshot.Take(first.DataPath).ShouldBe(before);

        using var client = first.ClientWithBearer(token);
        (await client.GetAsync("/health/ready", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await client.GetAsync("/api/v1/audit/events", Ct)).JsonAsync()).GetProperty("data").GetArrayLength().ShouldBeGreaterThan(0);
        (await (await client.PostAsync("/api/v1/audit/verify", null, Ct)).JsonAsync()).GetProperty("is_intact").GetBoolean().ShouldBeTrue();
        var verification = await first.Services.GetRequiredService<IAuditLog>().VerifyAsync(Ct); // the events the calls above just wrote
        verification.IsIntact.ShouldBeTrue(verification.Problem);
    }

    private static void CheckpointDatabases(string folder)
    {
        foreach (var database in Directory.EnumerateFiles(folder, "*.db"))
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout=5000; PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }
    }

    [Fact]
    public void A_held_data_folder_is_refused_to_a_second_taker_in_the_same_process_too()
    {
        var folder = Path.Combine(Path.GetTempPath(), "portal-lock", Guid.NewGuid().ToString("N"));
        try
        {
            using (var held = DataFolderLock.Acquire(folder))
            {
                held.RecordHolder();
                var refused = Should.Throw<InvalidOperationException>(() => DataFolderLock.Acquire(folder));
                refused.Message.ShouldContain(folder);
                refused.Message.ShouldContain($"process {Environment.ProcessId}");
            }

            using var afterRelease = DataFolderLock.Acquire(folder); // released with its handle
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_lock_file_left_by_a_dead_process_does_not_block()
    {
        var folder = Path.Combine(Path.GetTempPath(), "portal-lock", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // What a killed portal leaves: the files stay, the operating system's lock went with the process.
            File.WriteAllText(Path.Combine(folder, DataFolderLock.FileName), "");
            File.WriteAllText(Path.Combine(folder, DataFolderLock.HolderFileName), "process 999999 on gone, started 2026-01-01 00:00:00 UTC");

            using var taken = DataFolderLock.Acquire(folder);
            taken.RecordHolder();

            File.ReadAllText(Path.Combine(folder, DataFolderLock.HolderFileName)).ShouldStartWith($"process {Environment.ProcessId} ");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The real portal binary, as an operator would start it a second time (the lock is the operating system's, per process).</summary>
    internal static async Task<(int ExitCode, string Output)> RunSecondPortalAsync(string dataFolder, params string[] extraArguments)
    {
        var root = RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(root, "Portal", "bin", configuration, "net10.0", "Portal.dll");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["exec", dll, "--contentRoot", Path.Combine(root, "Portal"), "--urls", "http://127.0.0.1:0",
                     "--environment", "Development", "--Portal:DataPath", dataFolder, .. extraArguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The second portal did not exit: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("No Portal.sln above the test assembly.");
    }
}
