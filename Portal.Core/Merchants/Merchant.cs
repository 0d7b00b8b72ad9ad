namespace Portal.Core.Merchants;

public enum MerchantStatus
{
    Draft,
    Submitted,
    InReview,
    MoreInformationRequested,
    Approved,
    Rejected,
}

public enum BusinessType
{
    SoleProprietorship,
    Partnership,
    LimitedLiabilityCompany,
    PublicLimitedCompany,
    NonProfit,
}

public sealed record BeneficialOwner(string Name, DateOnly DateOfBirth, string Nationality, decimal OwnershipPercent);

public sealed record SettlementAccount(string BankName, string AccountName, string AccountNumber)
{
    public string MaskedNumber => Security.Masking.Tail(AccountNumber);
}

/// <summary>Personal data of a merchant: encrypted at rest as one envelope (see <see cref="MerchantPiiVault"/>).</summary>
public sealed record MerchantPii(string ContactEmail, string? ContactPhone, IReadOnlyList<BeneficialOwner> Owners, SettlementAccount? Bank)
{
    public static readonly MerchantPii Empty = new("", null, [], null);
}

/// <summary>A merchant as the application sees it (PII decrypted).</summary>
public sealed record Merchant(
    Guid Id,
    string BusinessName,
    string CacNumber,
    BusinessType? BusinessType,
    string? RegisteredAddress,
    string? Website,
    string? Industry,
    MerchantPii Pii,
    MerchantStatus Status,
    string? StatusNote,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    DateTimeOffset? SubmittedAt = null,
    string? AssignedTo = null,
    KybProposal? Proposal = null)
{
    public const string EntityType = "MERCHANT";

    public string DisplayId => new MerchantId(Id).ToString();
}

/// <summary>A merchant as stored: PII sealed, plus a keyed hash of the contact email for lookups.</summary>
public sealed record MerchantRecord(
    Guid Id,
    string BusinessName,
    string CacNumber,
    BusinessType? BusinessType,
    string? RegisteredAddress,
    string? Website,
    string? Industry,
    byte[] SealedPii,
    string ContactEmailHash,
    MerchantStatus Status,
    string? StatusNote,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    DateTimeOffset? SubmittedAt = null,
    string? AssignedTo = null,
    KybProposal? Proposal = null)
{
    /// <summary>Statuses of a case waiting for a KYC decision (the review queue).</summary>
    public static readonly IReadOnlySet<MerchantStatus> Awaiting = new HashSet<MerchantStatus> { MerchantStatus.Submitted, MerchantStatus.InReview, MerchantStatus.MoreInformationRequested };

    /// <summary>In the review queue: awaiting a decision and submitted at least once.</summary>
    public bool InQueue => SubmittedAt is not null && Awaiting.Contains(Status);
}

/// <summary>
/// A KYB decision one admin proposed and a second admin must confirm or send back (four-eyes). It lives on the merchant
/// record, so proposing, confirming and sending back are ordinary versioned merchant writes: of two concurrent
/// confirmations exactly one commits, the other gets the store's version conflict. <see cref="ProposerId"/> (the user id)
/// decides who may not confirm; <see cref="ProposedBy"/> is the name shown.
/// </summary>
public sealed record KybProposal(ReviewDecision Decision, string? Note, string ProposerId, string ProposedBy, DateTimeOffset ProposedAt)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>The stored form (one text column or attribute in both stores).</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, Json);

    public static KybProposal? FromJson(string? json) => string.IsNullOrEmpty(json) ? null : System.Text.Json.JsonSerializer.Deserialize<KybProposal>(json, Json);
}

/// <summary>One entry of a merchant's timeline: every status change and every edit.</summary>
public sealed record MerchantHistoryEntry(Guid MerchantId, DateTimeOffset At, string Actor, string? ActorRole, string Change, MerchantStatus Status, string? Note);

/// <summary>A list row: no PII, so listing never decrypts anything.</summary>
public sealed record MerchantSummary(Guid Id, string BusinessName, string CacNumber, MerchantStatus Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? SubmittedAt = null, string? AssignedTo = null, long Version = 0, KybProposal? Proposal = null);

/// <summary>
/// Listing: newest first; or, with a business-name prefix, by name. <see cref="After"/> is the keyset position
/// (decoded from a signed cursor by the service, never taken from the client as is).
/// </summary>
public sealed record MerchantListQuery(int Limit, MerchantStatus? Status = null, string? CacNumber = null, string? NamePrefix = null, MerchantKeyset? After = null);

/// <summary>Who a queue listing shows: everyone, cases assigned to one reviewer, or cases nobody has taken.</summary>
public enum QueueAssignee
{
    Anyone,
    Assigned,
    Unassigned,
}

/// <summary>
/// The KYC review queue: merchants awaiting a decision, oldest submission first. <see cref="AssignedTo"/> names the
/// reviewer when <see cref="Assignee"/> is <see cref="QueueAssignee.Assigned"/>; <see cref="SubmittedBefore"/> keeps
/// only cases older than a cut-off (SLA breached).
/// </summary>
public sealed record MerchantQueueQuery(int Limit, MerchantStatus? Status = null, QueueAssignee Assignee = QueueAssignee.Anyone, string? AssignedTo = null,
    DateTimeOffset? SubmittedBefore = null, MerchantKeyset? After = null);

/// <summary>Position in a listing: the sort key of the last row (created-at ticks or normalised name) and its id.</summary>
public sealed record MerchantKeyset(string SortKey, Guid Id);

public sealed record MerchantPage(IReadOnlyList<MerchantSummary> Items, MerchantKeyset? Next);

public enum MerchantWriteOutcome
{
    Done,
    DuplicateCac,
    DuplicateId,
    VersionConflict,
    NotFound,
}

public static class MerchantSort
{
    /// <summary>Names compare case- and space-insensitively for prefix search.</summary>
    public static string NormaliseName(string name) => string.Join(' ', name.Trim().ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Created-at as a fixed-width string so that string order is time order (both stores sort on it).</summary>
    public static string CreatedKey(DateTimeOffset createdAt) => createdAt.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
}
