using System.Globalization;
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
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"portal-s3rver-{Guid.NewGuid():N}");
    private EmulatorProcess? _process;

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

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
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
        var dir = EmulatorProcess.ToolDirectory("PORTAL_S3RVER_DIR", "s3rver");
        var script = Path.Combine(dir, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"No s3rver at {script}. Run ./test.sh (it installs s3rver 3.7.1 with npm) or set PORTAL_S3RVER_DIR.");
        }

        Directory.CreateDirectory(_dataDir);
        var port = EmulatorProcess.FreePort();
        _process = EmulatorProcess.Start("s3rver", "node", dir, [script, "-d", _dataDir, "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)],
            "node is not installed (s3rver needs Node.js). Install it, then run ./test.sh.");
        ServiceUrl = new Uri($"http://127.0.0.1:{port}");
        var client = NewClient(ServiceUrl);
        try
        {
            await _process.WaitUntilReadyAsync(token => client.ListBucketsAsync(token), StartTimeout, TimeSpan.FromMilliseconds(100));
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
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
