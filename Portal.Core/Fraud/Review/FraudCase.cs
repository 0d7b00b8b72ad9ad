using System.ComponentModel.DataAnnotations;
using Portal.Core.Payments;

namespace Portal.Core.Fraud.Review;

/// <summary>Where a fraud review case stands. Names go on the wire and into storage in snake_case (<see cref="FraudCaseStatuses"/>).</summary>
public enum FraudCaseStatus
{
    /// <summary>In the queue, nobody working it.</summary>
    Open,

    /// <summary>An admin took it ("Assign to me"); only they decide it.</summary>
    Claimed,

    /// <summary>Sent to the escalation queue with a note; any admin may claim it there.</summary>
    Escalated,

    /// <summary>The payment went to the processor.</summary>
    Approved,

    /// <summary>The payment was declined without calling the processor.</summary>
    Declined,

    /// <summary>The payment had succeeded and was refunded in full as fraud.</summary>
    RefundedAsFraud,
}

public static class FraudCaseStatuses
{
    /// <summary>Statuses still waiting for a decision (the working set of the queues).</summary>
    public static readonly IReadOnlyList<FraudCaseStatus> Active = [FraudCaseStatus.Open, FraudCaseStatus.Claimed, FraudCaseStatus.Escalated];

    public static readonly IReadOnlyList<FraudCaseStatus> All = Enum.GetValues<FraudCaseStatus>();

    /// <summary>Outcomes that confirm the payment as fraud (counted by the backtest).</summary>
    public static readonly IReadOnlyList<FraudCaseStatus> ConfirmedFraud = [FraudCaseStatus.Declined, FraudCaseStatus.RefundedAsFraud];

    public static bool IsActive(this FraudCaseStatus status) => status is FraudCaseStatus.Open or FraudCaseStatus.Claimed or FraudCaseStatus.Escalated;

    public static string Name(FraudCaseStatus status) => status switch
    {
        FraudCaseStatus.Open => "open",
        FraudCaseStatus.Claimed => "claimed",
        FraudCaseStatus.Escalated => "escalated",
        FraudCaseStatus.Approved => "approved",
        FraudCaseStatus.Declined => "declined",
        FraudCaseStatus.RefundedAsFraud => "refunded_as_fraud",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static FraudCaseStatus Parse(string name)
    {
        foreach (var status in All)
        {
            if (Name(status) == name)
            {
                return status;
            }
        }

        throw new FormatException($"Unknown fraud case status '{name}'.");
    }
}

/// <summary>A note written with an outcome (escalate, decline, refund as fraud), kept with the case.</summary>
public sealed record FraudCaseNote(DateTimeOffset At, string Author, string Action, string Text);

/// <summary>
/// The review of one held payment. The payment's amount, customer and fraud factors are copied in when the case opens, so
/// the queue filters and sorts without reading payments. <see cref="DueAt"/> is the opening time plus
/// <see cref="FraudReviewOptions.Sla"/>. <see cref="Version"/> increases with every change (optimistic concurrency);
/// <see cref="UpdatedBy"/> names who made the last change, for conflict messages.
/// </summary>
public sealed record FraudCase(
    Guid Id,
    Guid PaymentId,
    Guid MerchantId,
    long Amount,
    string Currency,
    string CustomerId,
    int Score,
    IReadOnlyList<FraudFactor> Factors,
    FraudCaseStatus Status,
    string? AssigneeId,
    string? AssigneeName,
    IReadOnlyList<FraudCaseNote> Notes,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    DateTimeOffset UpdatedAt,
    string? UpdatedBy,
    long Version)
{
    public string DisplayId => new FraudCaseId(Id).ToString();

    public string PaymentDisplayId => new PaymentId(PaymentId).ToString();

    public string MerchantDisplayId => new MerchantId(MerchantId).ToString();
}

public enum FraudCaseWriteOutcome
{
    Done,

    /// <summary>Create: the payment already has a case (one case per payment), or the id is taken.</summary>
    Duplicate,

    /// <summary>Update: the stored version is not the expected one.</summary>
    VersionConflict,

    NotFound,
}

/// <summary>Section <c>FraudReview</c>: the review SLA, the on-call address for alerts, and the queue's working-set bound.</summary>
public sealed class FraudReviewOptions : IValidatableObject
{
    public const string Section = "FraudReview";

    /// <summary>How long a held payment may wait for a decision (a case's due time is its opening plus this).</summary>
    public TimeSpan Sla { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Where the alert email of a held or blocked payment goes; none is sent when empty.</summary>
    public string? OnCallEmail { get; set; }

    /// <summary>The portal's public base URL for links in alert emails (e.g. <c>https://portal.example.com</c>); relative links when empty.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>At most this many cases per status are read to build a queue page (filters and sorting run over them).</summary>
    [Range(100, 100_000)]
    public int MaxWorkingSet { get; set; } = 5_000;

    /// <summary>A held payment this old without a case gets one from <see cref="HeldPaymentCaseRepair"/> (intake normally opens it within milliseconds).</summary>
    public TimeSpan RepairGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often <see cref="HeldPaymentCaseRepair"/> looks for held payments without a case.</summary>
    public TimeSpan RepairInterval { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RepairGrace <= TimeSpan.Zero || RepairGrace > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"FraudReview:RepairGrace ({RepairGrace}) must be positive and at most one day.", [nameof(RepairGrace)]);
        }

        if (RepairInterval < TimeSpan.FromSeconds(1) || RepairInterval > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult($"FraudReview:RepairInterval ({RepairInterval}) must be between one second and one hour.", [nameof(RepairInterval)]);
        }

        if (Sla <= TimeSpan.Zero || Sla > TimeSpan.FromDays(30))
        {
            yield return new ValidationResult($"FraudReview:Sla ({Sla}) must be positive and at most 30 days.", [nameof(Sla)]);
        }

        if (!string.IsNullOrWhiteSpace(OnCallEmail) && !new EmailAddressAttribute().IsValid(OnCallEmail))
        {
            yield return new ValidationResult($"FraudReview:OnCallEmail ({OnCallEmail}) is not an email address.", [nameof(OnCallEmail)]);
        }
    }
}
