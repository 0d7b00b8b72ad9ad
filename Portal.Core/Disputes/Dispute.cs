using System.Text.Json;

namespace Portal.Core.Disputes;

/// <summary>Where a dispute stands. Names go on the wire in snake_case (<c>needs_response</c>).</summary>
public enum DisputeStatus
{
    /// <summary>Open: the merchant may answer with evidence or accept it until the evidence deadline.</summary>
    NeedsResponse,

    /// <summary>Evidence was submitted; the processor (card network) decides.</summary>
    UnderReview,
    Won,
    Lost,

    /// <summary>The merchant accepted the dispute (it counts as lost; no evidence was sent).</summary>
    Accepted,

    /// <summary>The evidence deadline passed without a response.</summary>
    Expired,
}

/// <summary>Where the merchant's evidence stands: nothing yet, a saved draft, or submitted (locked).</summary>
public enum EvidenceState
{
    None,
    Draft,
    Submitted,
}

/// <summary>The kinds of evidence file a processor takes (Stripe's evidence file fields).</summary>
public enum EvidenceFileType
{
    Receipt,
    CustomerCommunication,
    ShippingDocumentation,
    RefundPolicy,
    ServiceDocumentation,
    CancellationPolicy,
    UncategorizedFile,
}

/// <summary>
/// The merchant's written evidence. Every field is free text the merchant controls, so each is checked for card numbers
/// before it is stored (<see cref="EvidenceValidator"/>). <see cref="Explanation"/> is sent as Stripe's <c>uncategorized_text</c>.
/// </summary>
public sealed record DisputeEvidence(
    string? ProductDescription = null,
    string? CustomerName = null,
    string? CustomerEmailAddress = null,
    string? BillingAddress = null,
    string? ServiceDate = null,
    string? ShippingCarrier = null,
    string? ShippingTrackingNumber = null,
    string? RefundPolicyDisclosure = null,
    string? CancellationRebuttal = null,
    string? Explanation = null)
{
    public static readonly DisputeEvidence Empty = new();

    /// <summary>The fields by their wire names, in the order the case page shows them.</summary>
    public IReadOnlyList<(string Field, string Label, string? Value)> Fields =>
    [
        ("product_description", "Product description", ProductDescription),
        ("customer_name", "Customer name", CustomerName),
        ("customer_email_address", "Customer email", CustomerEmailAddress),
        ("billing_address", "Billing address", BillingAddress),
        ("service_date", "Service date", ServiceDate),
        ("shipping_carrier", "Shipping carrier", ShippingCarrier),
        ("shipping_tracking_number", "Tracking number", ShippingTrackingNumber),
        ("refund_policy_disclosure", "Refund policy disclosure", RefundPolicyDisclosure),
        ("cancellation_rebuttal", "Cancellation rebuttal", CancellationRebuttal),
        ("explanation", "Explanation", Explanation),
    ];

    public bool IsEmpty => Fields.All(f => string.IsNullOrWhiteSpace(f.Value));
}

/// <summary>One evidence file: stored in the document store under <see cref="DocumentKey"/> (encrypted at rest), sniffed and size-checked on intake.</summary>
public sealed record EvidenceFile(Guid Id, EvidenceFileType Type, string DocumentKey, string VersionId, string ContentType, long Length, string Sha256, DateTimeOffset UploadedAt);

/// <summary>
/// A dispute of a payment, opened by the processor. <see cref="ProcessorDisputeId"/> is unique per processor;
/// <see cref="EvidenceDueBy"/> is the processor's deadline (Stripe's <c>evidence_details.due_by</c>); <see cref="LastEventAt"/>
/// is the time of the newest processor event applied, so an older event arriving late changes nothing.
/// <see cref="Version"/> increases with every change (optimistic concurrency); <see cref="UpdatedBy"/> names who made the last one.
/// </summary>
public sealed record Dispute(
    Guid Id,
    string Processor,
    string ProcessorDisputeId,
    Guid PaymentId,
    Guid MerchantId,
    string Reason,
    Money Amount,
    DateTimeOffset EvidenceDueBy,
    DisputeStatus Status,
    EvidenceState EvidenceState,
    DisputeEvidence Evidence,
    IReadOnlyList<EvidenceFile> Files,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset LastEventAt,
    string UpdatedBy,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? ReminderSentAt,
    long Version)
{
    public string DisplayId => new DisputeId(Id).ToString();

    /// <summary>
    /// Webhook events this dispute owes the merchant, written in the same store write as the change that caused them (the
    /// dispute and the payment outbox live in different databases, so no one transaction spans both). They are moved into
    /// the outbox right after the write, under their own ids, which the outbox appends once; the sweep moves any that a crash
    /// left behind. Empty when nothing is owed.
    /// </summary>
    public IReadOnlyList<PendingDisputeEvent> PendingEvents { get; init; } = [];

    /// <summary>This dispute with one more owed webhook event of <paramref name="type"/>, stamped <paramref name="at"/>.</summary>
    public Dispute Announcing(string type, DateTimeOffset at) =>
        this with { PendingEvents = [.. PendingEvents, new PendingDisputeEvent(Guid.CreateVersion7(at), type, at)] };

    public bool IsClosed => Status is DisputeStatus.Won or DisputeStatus.Lost or DisputeStatus.Accepted or DisputeStatus.Expired;

    /// <summary>Open to the merchant: evidence may still be saved, submitted or the dispute accepted.</summary>
    public bool IsOpen(DateTimeOffset now) => Status == DisputeStatus.NeedsResponse && now <= EvidenceDueBy;

    /// <summary>Evaluated on read: a dispute still waiting for a response after its deadline is expired, whether or not the sweep has stored that yet.</summary>
    public Dispute AsOf(DateTimeOffset now) => Status == DisputeStatus.NeedsResponse && now > EvidenceDueBy ? this with { Status = DisputeStatus.Expired } : this;
}

/// <summary>A webhook event a dispute change owes: its outbox id (fixed when the change is written, so a retry appends nothing twice), type and time.</summary>
public sealed record PendingDisputeEvent(Guid Id, string Type, DateTimeOffset At);

public static class DisputeNames
{
    /// <summary>Status names on the wire: snake_case (<c>needs_response</c>).</summary>
    public static string Status(DisputeStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    public static string Evidence(EvidenceState state) => JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());

    public static string FileType(EvidenceFileType type) => JsonNamingPolicy.SnakeCaseLower.ConvertName(type.ToString());

    public static DisputeStatus? ParseStatus(string? text) => Enum.GetValues<DisputeStatus>().Cast<DisputeStatus?>().FirstOrDefault(s => Status(s!.Value) == text);

    public static EvidenceFileType? ParseFileType(string? text) => Enum.GetValues<EvidenceFileType>().Cast<EvidenceFileType?>().FirstOrDefault(s => FileType(s!.Value) == text);

    /// <summary>Words for people: "Needs response".</summary>
    public static string Label(DisputeStatus status) => status switch
    {
        DisputeStatus.NeedsResponse => "Needs response",
        DisputeStatus.UnderReview => "Under review",
        DisputeStatus.Won => "Won",
        DisputeStatus.Lost => "Lost",
        DisputeStatus.Accepted => "Accepted",
        DisputeStatus.Expired => "Expired",
        _ => status.ToString(),
    };

    public static string Label(EvidenceFileType type) => type switch
    {
        EvidenceFileType.Receipt => "Receipt",
        EvidenceFileType.CustomerCommunication => "Customer communication",
        EvidenceFileType.ShippingDocumentation => "Shipping documentation",
        EvidenceFileType.RefundPolicy => "Refund policy",
        EvidenceFileType.ServiceDocumentation => "Service documentation",
        EvidenceFileType.CancellationPolicy => "Cancellation policy",
        EvidenceFileType.UncategorizedFile => "Uncategorized file",
        _ => type.ToString(),
    };
}
