using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Merchants;

namespace Portal.Core.Kyc;

public enum UploadOutcome
{
    Stored,
    NotFound,
    UnsupportedFormat,
    TooLarge,
    Locked,
}

public sealed record UploadResult(UploadOutcome Outcome, KycDocumentVersion? Version = null, string? Message = null);

/// <summary>
/// KYC documents: which a merchant needs, uploads (sniffed, size-limited and hashed while streaming, stored encrypted,
/// every version kept) and audited downloads. A merchant reaches only its own documents; another merchant's look unknown.
/// </summary>
public sealed class KycDocumentService(IDocumentStore store, IKycDocumentRecords records, IMerchantStore merchants, IAuditLog audit,
    IOptions<KycOptions> options, TimeProvider clock)
{
    public long MaxUploadBytes => options.Value.MaxUploadBytes;

    public async Task<IReadOnlyList<DocumentRequirement>?> RequirementsAsync(Actor actor, Guid merchantId, CancellationToken cancellationToken = default)
    {
        if (!CanReach(actor, merchantId) || await merchants.GetAsync(merchantId, cancellationToken) is not { } merchant)
        {
            return null;
        }

        var versions = await records.ListAsync(merchantId, cancellationToken);
        return options.Value.RequiredFor(merchant.BusinessType).Select(type =>
        {
            var ofType = versions.Where(v => v.Type == type).ToList();
            var current = ofType.FirstOrDefault();
            return new DocumentRequirement(type, current?.State ?? DocumentState.Missing, current, ofType.Count);
        }).ToList();
    }

    public async Task<UploadResult> UploadAsync(Actor actor, Guid merchantId, DocumentType type, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant || actor.MerchantId != merchantId || await merchants.GetAsync(merchantId, cancellationToken) is not { } merchant)
        {
            return new UploadResult(UploadOutcome.NotFound, Message: "No such merchant.");
        }

        if (merchant.Status is MerchantStatus.Approved or MerchantStatus.Rejected)
        {
            return new UploadResult(UploadOutcome.Locked, Message: $"The application is {MerchantService.Describe(merchant.Status)}; documents can no longer change.");
        }

        await using var intake = await DocumentIntake.OpenAsync(content, options.Value.MaxUploadBytes, cancellationToken);
        if (intake is null)
        {
            await audit.AppendAsync(actor, new AuditEntry("kyc.document_refused", AuditOutcome.Failure, Target(merchantId, type), "not a PDF, JPEG or PNG"), cancellationToken);
            return new UploadResult(UploadOutcome.UnsupportedFormat, Message: "Upload a PDF, JPEG or PNG file. The file's contents decide, not its name.");
        }

        string versionId;
        try
        {
            versionId = await store.PutAsync(Key(merchantId, type), intake, DocumentIntake.ContentType(intake.Format), cancellationToken);
        }
        catch (DocumentTooLargeException ex)
        {
            await audit.AppendAsync(actor, new AuditEntry("kyc.document_refused", AuditOutcome.Failure, Target(merchantId, type), "too large"), cancellationToken);
            return new UploadResult(UploadOutcome.TooLarge, Message: ex.Message + " Upload a smaller file.");
        }

        var version = new KycDocumentVersion(merchantId, type, versionId, intake.Format, intake.BytesRead, intake.Sha256, clock.GetUtcNow(),
            actor.Name ?? actor.UserId ?? "merchant", DocumentState.Uploaded, null);
        await records.AddAsync(version, cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry("kyc.document_uploaded", AuditOutcome.Success, Target(merchantId, type), $"version={versionId} sha256={intake.Sha256}"), cancellationToken);
        return new UploadResult(UploadOutcome.Stored, version);
    }

    /// <summary>Opens one version for viewing or download (audited); null when unknown or not the actor's to see.</summary>
    public async Task<(KycDocumentVersion Version, Stream Content)?> OpenAsync(Actor actor, Guid merchantId, DocumentType type, string versionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!CanReach(actor, merchantId))
        {
            return null;
        }

        var version = (await records.ListAsync(merchantId, cancellationToken)).FirstOrDefault(v => v.Type == type && v.VersionId == versionId);
        if (version is null || await store.OpenReadAsync(Key(merchantId, type), versionId, cancellationToken) is not { } content)
        {
            return null;
        }

        await audit.AppendAsync(actor, new AuditEntry("kyc.document_viewed", AuditOutcome.Success, Target(merchantId, type), $"version={versionId}"), cancellationToken);
        return (version, content);
    }

    private static bool CanReach(Actor actor, Guid merchantId) =>
        actor.Role is "Admin" or "Compliance" || (actor.IsMerchant && actor.MerchantId == merchantId);

    private static string Key(Guid merchantId, DocumentType type) => $"merchants/{merchantId:N}/{type}";

    private static string Target(Guid merchantId, DocumentType type) => $"mer_{merchantId:N}/{type}";
}
