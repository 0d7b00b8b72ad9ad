using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using PortalInfra.Tests;

[assembly: AssemblyFixture(typeof(SynthesizedStack))]

// jsii talks to one node process over one pipe and is not safe for concurrent calls: the test classes take turns.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PortalInfra.Tests;

/// <summary>
/// The stack synthesised once for the whole test assembly (jsii and synthesis take seconds; CI has two cores): the CDK
/// assertions <see cref="Template"/> plus the template as JSON for checks over every resource of a type.
/// </summary>
public sealed class SynthesizedStack : IDisposable
{
    public static readonly PortalSettings Settings = new() { Prefix = "test", PublicUrl = "https://portal.test.example", CognitoDomainPrefix = "portal-test-auth" };

    private readonly string _outdir = Path.Combine(Path.GetTempPath(), "portal-infra-tests-" + Guid.NewGuid().ToString("N"));
    private readonly JsonDocument _json;

    public SynthesizedStack()
    {
        var app = new App(new AppProps { Outdir = _outdir });
        Stack = new PortalStack(app, "PortalTest", Settings, new StackProps { Env = new Amazon.CDK.Environment { Account = "111111111111", Region = "us-east-1" } });
        Template = Template.FromStack(Stack);
        _json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_outdir, "PortalTest.template.json")));
    }

    public PortalStack Stack { get; }
    public Template Template { get; }

    /// <summary>Every resource of a CloudFormation type: logical id and Properties.</summary>
    public IReadOnlyList<(string Id, JsonElement Properties)> OfType(string type) =>
        [.. _json.RootElement.GetProperty("Resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("Type").GetString() == type)
            .Select(r => (r.Name, r.Value.TryGetProperty("Properties", out var p) ? p : default))];

    public JsonElement Resource(string logicalId) => _json.RootElement.GetProperty("Resources").GetProperty(logicalId);

    /// <summary>The logical id CDK gave a construct's CloudFormation resource (an L1 resource itself, or an L2's default child).</summary>
    public string LogicalId(Constructs.IConstruct construct) => Stack.GetLogicalId(construct as CfnElement ?? (CfnElement)construct.Node.DefaultChild!);

    /// <summary><c>{"Fn::GetAtt": [id, "Arn"]}</c> as text, for comparing references.</summary>
    public static string GetAttArn(string logicalId) => $"{{\"Fn::GetAtt\":[\"{logicalId}\",\"Arn\"]}}";

    public static string Compact(JsonElement element) => JsonSerializer.Serialize(element);

    public void Dispose()
    {
        _json.Dispose();
        try
        {
            Directory.Delete(_outdir, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
