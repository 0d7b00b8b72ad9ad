using System.Globalization;
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
    // About 3 s on an idle machine, 10 s with both cores busy (load 6).
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Lazy<Task<IAmazonDynamoDB>> _client;
    private EmulatorProcess? _process;

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

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    private async Task<IAmazonDynamoDB> StartAsync()
    {
        var dir = EmulatorProcess.ToolDirectory("PORTAL_DYNAMODB_LOCAL_DIR", "dynamodb-local");
        var jar = Path.Combine(dir, "DynamoDBLocal.jar");
        if (!File.Exists(jar))
        {
            throw new InvalidOperationException($"No DynamoDB Local at {jar}. Run ./test.sh (it installs Java 17 and unpacks DynamoDB Local) or set PORTAL_DYNAMODB_LOCAL_DIR.");
        }

        var port = EmulatorProcess.FreePort();
        _process = EmulatorProcess.Start("DynamoDB Local", "java", dir,
            [$"-Djava.library.path={Path.Combine(dir, "DynamoDBLocal_lib")}", "-jar", jar, "-inMemory", "-port", port.ToString(CultureInfo.InvariantCulture)],
            "Java is not installed (DynamoDB Local needs Java 17). Run ./test.sh, which installs openjdk-17-jre-headless.");
        var client = new AmazonDynamoDBClient(new BasicAWSCredentials("dummy", "dummy"),
            new AmazonDynamoDBConfig { ServiceURL = $"http://127.0.0.1:{port}", AuthenticationRegion = "us-east-1" });
        try
        {
            await _process.WaitUntilReadyAsync(token => client.ListTablesAsync(new Amazon.DynamoDBv2.Model.ListTablesRequest(), token), StartTimeout, TimeSpan.FromMilliseconds(200));
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
