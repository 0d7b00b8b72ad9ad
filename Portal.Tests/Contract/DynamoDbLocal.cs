using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

[assembly: AssemblyFixture(typeof(Portal.Tests.Contract.DynamoDbLocal))]

namespace Portal.Tests.Contract;

/// <summary>
/// One DynamoDB Local (in memory, on a free port) for the whole run. test.sh unpacks it into .tools/dynamodb-local;
/// PORTAL_DYNAMODB_LOCAL_DIR overrides the folder. It starts on first use rather than in InitializeAsync, so a run of
/// other tests neither pays for a JVM nor needs Java installed.
/// </summary>
public sealed class DynamoDbLocal : IAsyncLifetime
{
    // It answers in about 3 s on an idle machine, but took 10 s with the 2 cores busy (load 6): a crashed JVM is
    // noticed at once through HasExited, so a generous limit only costs time when it hangs.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Lazy<Task<IAmazonDynamoDB>> _client;
    private readonly List<string> _output = [];
    private Process? _process;

    public DynamoDbLocal() => _client = new(StartAsync);

    /// <summary>A client of the running emulator, starting it on the first call.</summary>
    public Task<IAmazonDynamoDB> GetClientAsync() => _client.Value;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_client.IsValueCreated && _client.Value.IsCompletedSuccessfully)
        {
            (await _client.Value).Dispose();
        }

        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private async Task<IAmazonDynamoDB> StartAsync()
    {
        var dir = Environment.GetEnvironmentVariable("PORTAL_DYNAMODB_LOCAL_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepoRoot(), ".tools", "dynamodb-local");
        var jar = Path.Combine(dir, "DynamoDBLocal.jar");
        if (!File.Exists(jar))
        {
            throw new InvalidOperationException($"No DynamoDB Local at {jar}. Run ./test.sh (it installs Java 17 and unpacks DynamoDB Local) or set PORTAL_DYNAMODB_LOCAL_DIR.");
        }

        var port = FreePort();
        var start = new ProcessStartInfo("java")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { $"-Djava.library.path={Path.Combine(dir, "DynamoDBLocal_lib")}", "-jar", jar, "-inMemory", "-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("java did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("Java is not installed (DynamoDB Local needs Java 17). Run ./test.sh, which installs openjdk-17-jre-headless.", ex);
        }

        // Drained so that a chatty JVM never blocks on a full pipe; kept to explain a failed start.
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var client = new AmazonDynamoDBClient(new BasicAWSCredentials("dummy", "dummy"),
            new AmazonDynamoDBConfig { ServiceURL = $"http://127.0.0.1:{port}", AuthenticationRegion = "us-east-1" });
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.ListTablesAsync(new Amazon.DynamoDBv2.Model.ListTablesRequest(), attempt.Token);
                return client;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or AmazonServiceException or AmazonClientException)
            {
                if (_process.HasExited || deadline.Elapsed > StartTimeout)
                {
                    client.Dispose();
                    throw new InvalidOperationException(
                        $"DynamoDB Local did not answer on port {port} within {StartTimeout.TotalSeconds:0} s (exited: {_process.HasExited}). Output:\n{string.Join('\n', Snapshot())}", ex);
                }
            }

            await Task.Delay(200);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }
    }

    private List<string> Snapshot()
    {
        lock (_output)
        {
            return [.. _output];
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}; set PORTAL_DYNAMODB_LOCAL_DIR.");
    }
}
