using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Contract.Api;

/// <summary>
/// The committed copy of /openapi/v1.json (Portal.Tests/Contract/openapi-v1.json): every change to the API's contract shows in
/// review as a diff of that file. To accept a change: <c>PORTAL_UPDATE_OPENAPI_SNAPSHOT=1 dotnet test Portal.Tests --filter
/// "FullyQualifiedName~OpenApiSnapshotTests"</c>.
/// </summary>
public sealed class OpenApiSnapshotTests
{
    public const string UpdateVariable = "PORTAL_UPDATE_OPENAPI_SNAPSHOT";

    public static string SnapshotPath => Path.Combine(RepositoryRoot(), "Portal.Tests", "Contract", "openapi-v1.json");

    [Fact]
    public async Task The_live_document_matches_the_committed_snapshot()
    {
        var live = await LiveDocumentAsync();
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(SnapshotPath, live, TestContext.Current.CancellationToken);
        }

        File.Exists(SnapshotPath).ShouldBeTrue($"No snapshot at {SnapshotPath}: run with {UpdateVariable}=1 to write it.");
        var committed = (await File.ReadAllTextAsync(SnapshotPath, TestContext.Current.CancellationToken)).ReplaceLineEndings("\n");
        if (committed == live)
        {
            return;
        }

        var liveLines = live.Split('\n');
        var committedLines = committed.Split('\n');
        var first = Enumerable.Range(0, Math.Min(liveLines.Length, committedLines.Length)).FirstOrDefault(i => liveLines[i] != committedLines[i], Math.Min(liveLines.Length, committedLines.Length));
        Assert.Fail($"""
            The API's OpenAPI document differs from the committed snapshot {SnapshotPath}, from line {first + 1}:
              snapshot: {(first < committedLines.Length ? committedLines[first].Trim() : "(end)")}
              live:     {(first < liveLines.Length ? liveLines[first].Trim() : "(end)")}
            If the change is intended, update the snapshot and commit it with the change (list it in the README's API changes):
              {UpdateVariable}=1 dotnet test Portal.Tests -c Release --filter "FullyQualifiedName~OpenApiSnapshotTests"
            """);
    }

    /// <summary>The live document as the test host serves it, re-indented so the snapshot diffs line by line.</summary>
    public static async Task<string> LiveDocumentAsync()
    {
        await using var factory = new PortalFactory();
        using var client = factory.CreateClient();
        var text = await client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        return JsonNode.Parse(text)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .ReplaceLineEndings("\n") + "\n";
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }
}
