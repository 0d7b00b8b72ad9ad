using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

[assembly: AssemblyFixture(typeof(Portal.Tests.Contract.S3rver))]

namespace Portal.Tests.Contract;

/// <summary>
/// One s3rver (files in a temporary folder, on a free port) for the whole run. test.sh installs it into .tools/s3rver;
/// PORTAL_S3RVER_DIR overrides the folder. It starts on first use, so a run of other tests needs neither node nor s3rver.
/// </summary>
public sealed class S3rver : IAsyncLifetime
{
    // Ready in about 0.3 s when idle; generous for a busy machine, and a crashed node is noticed at once through HasExited.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Lazy<Task<IAmazonS3>> _client;
    private readonly List<string> _output = [];
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"portal-s3rver-{Guid.NewGuid():N}");
    private Process? _process;

    public S3rver() => _client = new(StartAsync);

    /// <summary>The emulator's address, set once it has started.</summary>
    public Uri? ServiceUrl { get; private set; }

    /// <summary>A client of the running emulator, starting it on the first call.</summary>
    public Task<IAmazonS3> GetClientAsync() => _client.Value;

    /// <summary>A client of the running emulator whose HTTP requests go through <paramref name="handler"/> (to observe what the SDK sends).</summary>
    public async Task<IAmazonS3> CreateClientAsync(DelegatingHandler handler)
    {
        await GetClientAsync();
        return NewClient(ServiceUrl!, new HandlerFactory(handler));
    }

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
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static AmazonS3Client NewClient(Uri serviceUrl, HttpClientFactory? factory = null)
    {
        // s3rver checks signatures against exactly these credentials.
        var config = new AmazonS3Config { ServiceURL = serviceUrl.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" };
        if (factory is not null)
        {
            config.HttpClientFactory = factory;
        }

        return new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), config);
    }

    private async Task<IAmazonS3> StartAsync()
    {
        var dir = Environment.GetEnvironmentVariable("PORTAL_S3RVER_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepoRoot(), ".tools", "s3rver");
        var script = Path.Combine(dir, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"No s3rver at {script}. Run ./test.sh (it installs s3rver 3.7.1 with npm) or set PORTAL_S3RVER_DIR.");
        }

        Directory.CreateDirectory(_dataDir);
        var port = FreePort();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { script, "-d", _dataDir, "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("node is not installed (s3rver needs Node.js). Install it, then run ./test.sh.", ex);
        }

        // Drained so that node never blocks on a full pipe; kept to explain a failed start.
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        ServiceUrl = new Uri($"http://127.0.0.1:{port}");
        var client = NewClient(ServiceUrl);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.ListBucketsAsync(attempt.Token);
                return client;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or AmazonServiceException or AmazonClientException)
            {
                if (_process.HasExited || deadline.Elapsed > StartTimeout)
                {
                    client.Dispose();
                    throw new InvalidOperationException(
                        $"s3rver did not answer on port {port} within {StartTimeout.TotalSeconds:0} s (exited: {_process.HasExited}). Output:\n{string.Join('\n', Snapshot())}", ex);
                }
            }

            await Task.Delay(100);
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

        throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}; set PORTAL_S3RVER_DIR.");
    }

    /// <summary>Puts a handler in front of the SDK's HTTP stack: one HttpClient per S3 client, never cached or disposed by the SDK.</summary>
    private sealed class HandlerFactory(DelegatingHandler handler) : HttpClientFactory
    {
        private readonly HttpClient _http = new(Chain(handler));

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _http;

        // The SDK's cache is keyed by configuration and shared across clients: clients alike in configuration would share
        // the first one's handler and mix their captures.
        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        private static DelegatingHandler Chain(DelegatingHandler handler)
        {
            handler.InnerHandler = new HttpClientHandler();
            return handler;
        }
    }
}
