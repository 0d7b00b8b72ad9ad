using System.ComponentModel.DataAnnotations;
using Portal.Core.Merchants;

namespace Portal.Core.Kyc;

public enum DocumentType
{
    CertificateOfIncorporation,
    DirectorId,
    ProofOfAddress,
    BankStatement,
}

public static class DocumentTypeNames
{
    /// <summary>The name people read ("Director's ID"), one mapping for screens and messages.</summary>
    public static string Describe(DocumentType type) => type switch
    {
        DocumentType.CertificateOfIncorporation => "Certificate of incorporation",
        DocumentType.DirectorId => "Director's ID",
        DocumentType.ProofOfAddress => "Proof of address",
        DocumentType.BankStatement => "Bank statement",
        _ => type.ToString(),
    };
}

public enum DocumentState
{
    Missing,
    Uploaded,
    Accepted,
    Rejected,
}

/// <summary>One uploaded version of a merchant's document. The bytes live in <see cref="IDocumentStore"/>.</summary>
public sealed record KycDocumentVersion(
    Guid MerchantId,
    DocumentType Type,
    string VersionId,
    DocumentFormat Format,
    long Length,
    string Sha256,
    DateTimeOffset UploadedAt,
    string UploadedBy,
    DocumentState State,
    string? Reason);

/// <summary>What a merchant must provide and where each requirement stands (the newest version decides).</summary>
public sealed record DocumentRequirement(DocumentType Type, DocumentState State, KycDocumentVersion? Current, int Versions);

/// <summary>KYC settings, section <c>Kyc</c>.</summary>
public sealed class KycOptions : IValidatableObject
{
    public const string Section = "Kyc";

    [Range(1024, 100 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Versions kept of one document of one merchant: one more upload of that document is refused (a conflict).</summary>
    [Range(1, 1000)]
    public int MaxVersionsPerDocument { get; set; } = 20;

    /// <summary>All of one merchant's stored versions together: an upload that would go past it is refused (too large).</summary>
    [Range(1024, 100L * 1024 * 1024 * 1024)]
    public long MaxBytesPerMerchant { get; set; } = 200 * 1024 * 1024;

    /// <summary>Uploads one merchant may start per minute (refused beyond), so a script cannot fill storage or the audit log.</summary>
    [Range(1, 10_000)]
    public int UploadsPerMinutePerMerchant { get; set; } = 30;

    /// <summary>Built-in requirements for business types the configuration does not list; any other type needs all four.</summary>
    public static readonly IReadOnlyDictionary<BusinessType, DocumentType[]> DefaultRequiredDocuments = new Dictionary<BusinessType, DocumentType[]>
    {
        [BusinessType.SoleProprietorship] = [DocumentType.DirectorId, DocumentType.ProofOfAddress, DocumentType.BankStatement],
        [BusinessType.Partnership] = [DocumentType.CertificateOfIncorporation, DocumentType.DirectorId, DocumentType.ProofOfAddress],
    };

    /// <summary>
    /// Required documents per business type (<c>Kyc:RequiredDocuments:Partnership:0 = DirectorId</c>...); a listed type replaces
    /// its default. Starts empty on purpose: the configuration binder appends to an array that already has items, so defaults
    /// here could never be narrowed by configuration.
    /// </summary>
    public Dictionary<BusinessType, DocumentType[]> RequiredDocuments { get; set; } = [];

    /// <summary>A case waiting longer than this (since submission) shows amber in the queue.</summary>
    [Range(1, 24 * 30)]
    public int SlaWarningHours { get; set; } = 24;

    /// <summary>A case waiting longer than this is past its SLA: red in the queue, and the "SLA breached" filter.</summary>
    [Range(1, 24 * 60)]
    public int SlaBreachHours { get; set; } = 48;

    /// <summary>
    /// Four-eyes: an approval or rejection of a merchant whose KYB risk (<see cref="KybRiskRules"/>) is at or above this level
    /// is proposed by one admin and confirmed by a second. <c>Low</c> puts every decision under four-eyes; the default,
    /// <c>High</c>, only the high-risk industries, so ordinary (demo) applications keep the single-admin flow.
    /// </summary>
    public KybRisk FourEyesFromRisk { get; set; } = KybRisk.High;

    /// <summary>
    /// Industries (<see cref="Merchants.MerchantRules.Industries"/>) that make an application high risk. Empty means
    /// <see cref="KybRiskRules.DefaultHighRiskIndustries"/>; starts empty for the same binder reason as <see cref="RequiredDocuments"/>.
    /// </summary>
    public string[] HighRiskIndustries { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HighRiskIndustries.FirstOrDefault(i => !Merchants.MerchantRules.Industries.Contains(i)) is { } unknown)
        {
            yield return new ValidationResult($"Kyc:HighRiskIndustries names \"{unknown}\", which is not an industry of the onboarding form.", [nameof(HighRiskIndustries)]);
        }

        if (MaxBytesPerMerchant < MaxUploadBytes)
        {
            yield return new ValidationResult($"Kyc:MaxBytesPerMerchant ({MaxBytesPerMerchant}) must be at least Kyc:MaxUploadBytes ({MaxUploadBytes}).",
                [nameof(MaxBytesPerMerchant), nameof(MaxUploadBytes)]);
        }

        if (SlaWarningHours >= SlaBreachHours)
        {
            yield return new ValidationResult($"Kyc:SlaWarningHours ({SlaWarningHours}) must be less than Kyc:SlaBreachHours ({SlaBreachHours}).",
                [nameof(SlaWarningHours), nameof(SlaBreachHours)]);
        }
    }

    public IReadOnlyList<DocumentType> RequiredFor(BusinessType? type) =>
        type is not { } t ? Enum.GetValues<DocumentType>()
        : RequiredDocuments.TryGetValue(t, out var configured) && configured.Length > 0 ? [.. configured.Distinct()]
        : DefaultRequiredDocuments.TryGetValue(t, out var builtIn) ? builtIn
        : Enum.GetValues<DocumentType>();
}

/// <summary>Document metadata (which versions exist and their review state). Bytes are in <see cref="IDocumentStore"/>.</summary>
public interface IKycDocumentRecords
{
    Task AddAsync(KycDocumentVersion version, CancellationToken cancellationToken);

    /// <summary>Withdraws a version recorded by an upload that may not stand (the application was decided while it streamed in).</summary>
    Task RemoveAsync(Guid merchantId, DocumentType type, string versionId, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the review state of one version if its state is still <paramref name="expectedState"/> (optimistic concurrency:
    /// a reviewer acting on what they saw never overwrites another's decision). False when the version is unknown or changed.
    /// </summary>
    Task<bool> SetStateAsync(Guid merchantId, DocumentType type, string versionId, DocumentState expectedState, DocumentState state, string? reason,
        CancellationToken cancellationToken);

    /// <summary>All versions of a merchant's documents, newest first.</summary>
    Task<IReadOnlyList<KycDocumentVersion>> ListAsync(Guid merchantId, CancellationToken cancellationToken);
}
