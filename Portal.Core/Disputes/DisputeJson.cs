using System.Text.Json;

namespace Portal.Core.Disputes;

/// <summary>How adapters store a dispute's evidence and file list: one JSON text each, the same in SQLite and DynamoDB.</summary>
internal static class DisputeJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Evidence(DisputeEvidence evidence) => JsonSerializer.Serialize(evidence, Options);

    public static DisputeEvidence Evidence(string json) => JsonSerializer.Deserialize<DisputeEvidence>(json, Options) ?? DisputeEvidence.Empty;

    public static string Files(IReadOnlyList<EvidenceFile> files) => JsonSerializer.Serialize(files, Options);

    public static IReadOnlyList<EvidenceFile> Files(string json) => JsonSerializer.Deserialize<List<EvidenceFile>>(json, Options) ?? [];
}
