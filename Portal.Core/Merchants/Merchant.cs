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
    long Version)
{
    public const string EntityType = "MERCHANT";

    public string DisplayId => "mer_" + Id.ToString("N");
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
    long Version);

/// <summary>One entry of a merchant's timeline: every status change and every edit.</summary>
public sealed record MerchantHistoryEntry(Guid MerchantId, DateTimeOffset At, string Actor, string? ActorRole, string Change, MerchantStatus Status, string? Note);

/// <summary>A list row: no PII, so listing never decrypts anything.</summary>
public sealed record MerchantSummary(Guid Id, string BusinessName, string CacNumber, MerchantStatus Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Listing: newest first; or, with a business-name prefix, by name. <see cref="After"/> is the keyset position
/// (decoded from a signed cursor by the service, never taken from the client as is).
/// </summary>
public sealed record MerchantListQuery(int Limit, MerchantStatus? Status = null, string? CacNumber = null, string? NamePrefix = null, MerchantKeyset? After = null);

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
