namespace Portal.Core.Disputes;

/// <summary>
/// Audit action names of the disputes feature. Kept here rather than in <see cref="Audit.AuditActions"/> while another
/// engineer owns Portal.Core/Audit; they can move there as one block at merge.
/// </summary>
public static class DisputeAuditActions
{
    public const string Opened = "dispute.opened";
    public const string ProcessorUpdated = "dispute.processor_updated";
    public const string Viewed = "dispute.viewed";
    public const string EvidenceSaved = "dispute.evidence_saved";
    public const string FileUploaded = "dispute.file_uploaded";
    public const string FileRefused = "dispute.file_refused";
    public const string FileViewed = "dispute.file_viewed";
    public const string Submitted = "dispute.evidence_submitted";
    public const string Accepted = "dispute.accepted";
    public const string Expired = "dispute.expired";
    public const string OutcomeRecorded = "dispute.outcome_recorded";
}
