using Portal.Core.Audit;
namespace Portal.Core.Disputes;

/// <summary>The disputes feature's audit action names: short aliases of the dispute block of <see cref="AuditActions"/>, the one place names live.</summary>
public static class DisputeAuditActions
{
    public const string Opened = AuditActions.DisputeOpened;
    public const string ProcessorUpdated = AuditActions.DisputeProcessorUpdated;
    public const string Viewed = AuditActions.DisputeViewed;
    public const string EvidenceSaved = AuditActions.DisputeEvidenceSaved;
    public const string FileUploaded = AuditActions.DisputeFileUploaded;
    public const string FileRefused = AuditActions.DisputeFileRefused;
    public const string FileViewed = AuditActions.DisputeFileViewed;
    public const string Submitted = AuditActions.DisputeSubmitted;
    public const string Accepted = AuditActions.DisputeAccepted;
    public const string Expired = AuditActions.DisputeExpired;
    public const string OutcomeRecorded = AuditActions.DisputeOutcomeRecorded;
}
