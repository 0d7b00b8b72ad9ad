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

    /// <summary>Null when nothing is owed, so the column (or attribute) is absent and the pending index stays sparse.</summary>
    public static string? PendingEvents(IReadOnlyList<PendingDisputeEvent> events) => events.Count == 0 ? null : JsonSerializer.Serialize(events, Options);

    /// <summary>The same empty list a new dispute holds, so a dispute read back equals the one written.</summary>
    public static IReadOnlyList<PendingDisputeEvent> PendingEvents(string? json) =>
        string.IsNullOrEmpty(json) ? Array.Empty<PendingDisputeEvent>() : JsonSerializer.Deserialize<PendingDisputeEvent[]>(json, Options) ?? [];
}
