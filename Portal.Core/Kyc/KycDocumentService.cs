using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Merchants;
using Portal.Core.Security;

namespace Portal.Core.Kyc;

/// <summary>
/// KYC documents: which a merchant needs, uploads (sniffed, size-limited and hashed while streaming, stored encrypted,
/// every version kept) and audited downloads. A merchant reaches only its own documents; another merchant's look unknown.
/// </summary>
public sealed class KycDocumentService(IDocumentStore store, IKycDocumentRecords records, IMerchantStore merchants, AuditService audit,
    IOptions<KycOptions> options, TimeProvider clock) : IDisposable
{
    // Per merchant, checked in the service so that the API and the uploader screen share one budget.
    private readonly PartitionedRateLimiter<Guid> _uploads = PartitionedRateLimiter.Create<Guid, Guid>(merchantId =>
        RateLimitPartition.GetFixedWindowLimiter(merchantId, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.UploadsPerMinutePerMerchant,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    public long MaxUploadBytes => options.Value.MaxUploadBytes;

    public void Dispose() => _uploads.Dispose();

    public async Task<IReadOnlyList<DocumentRequirement>?> RequirementsAsync(Actor actor, Guid merchantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!CanReach(actor, merchantId))
        {
            await DeniedAsync(actor, AuditActions.KycDocumentsListed, $"mer_{merchantId:N}", "not the caller's merchant", cancellationToken);
            return null;
        }

        if (await merchants.GetAsync(merchantId, cancellationToken) is not { } merchant)
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

    public async Task<Result<KycDocumentVersion>> UploadAsync(Actor actor, Guid merchantId, DocumentType type, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant || actor.MerchantId != merchantId)
        {
            await DeniedAsync(actor, AuditActions.KycDocumentUploaded, Target(merchantId, type), "only the merchant itself uploads its documents", cancellationToken);
            return Error.NotFound("No such merchant.");
        }

        if (await merchants.GetAsync(merchantId, cancellationToken) is not { } merchant)
        {
            return Error.NotFound("No such merchant.");
        }

        if (merchant.Status is MerchantStatus.Approved or MerchantStatus.Rejected)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentRefused, AuditOutcome.Failure, Target(merchantId, type), $"application {merchant.Status}"), cancellationToken);
            return UploadError(ErrorKind.Conflict, "Application closed", $"The application is {MerchantService.Describe(merchant.Status)}; documents can no longer change.");
        }

        if (RateLimited(merchantId) is { } tooFast)
        {
            return tooFast;
        }

        var versions = await records.ListAsync(merchantId, cancellationToken);
        if (await QuotaProblemAsync(actor, merchantId, type, versions, cancellationToken) is { } refused)
        {
            return refused;
        }

        // The quota left (when smaller than the per-file limit) is enforced while streaming, like the file size.
        var stored = versions.Sum(v => v.Length);
        var quotaLeft = options.Value.MaxBytesPerMerchant - stored;
        await using var intake = await DocumentIntake.OpenAsync(content, Math.Min(options.Value.MaxUploadBytes, quotaLeft), cancellationToken);
        if (intake is null)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentRefused, AuditOutcome.Failure, Target(merchantId, type), "not a PDF, JPEG or PNG"), cancellationToken);
            return UploadError(ErrorKind.UnsupportedContent, "Unsupported file", "Upload a PDF, JPEG or PNG file. The file's contents decide, not its name.");
        }

        string versionId;
        try
        {
            versionId = await store.PutAsync(Key(merchantId, type), intake, DocumentIntake.ContentType(intake.Format), cancellationToken);
        }
        catch (DocumentTooLargeException ex) when (ex.MaxBytes == quotaLeft && quotaLeft < options.Value.MaxUploadBytes)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentRefused, AuditOutcome.Failure, Target(merchantId, type), "storage quota"), cancellationToken);
            return StorageQuotaReached(stored);
        }
        catch (DocumentTooLargeException ex)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentRefused, AuditOutcome.Failure, Target(merchantId, type), "too large"), cancellationToken);
            return UploadError(ErrorKind.TooLarge, "File too large", ex.Message + " Upload a smaller file.");
        }

        var version = new KycDocumentVersion(merchantId, type, versionId, intake.Format, intake.BytesRead, intake.Sha256, clock.GetUtcNow(),
            actor.Name ?? actor.UserId ?? "merchant", DocumentState.Uploaded, null);
        await records.AddAsync(version, cancellationToken);
        if (await MoveCaseOnAsync(actor, merchantId, type) is { } withdrawn)
        {
            await records.RemoveAsync(merchantId, type, versionId, CancellationToken.None);
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentRefused, AuditOutcome.Failure, Target(merchantId, type), $"version={versionId} {withdrawn.Detail}"), CancellationToken.None);
            return withdrawn.Result;
        }

        await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentUploaded, AuditOutcome.Success, Target(merchantId, type), $"version={versionId} sha256={intake.Sha256}"), cancellationToken);
        return version;
    }

    /// <summary>Null when the merchant may start one more upload this minute. Refusals are not audited: a flood of them would fill the log.</summary>
    private Error? RateLimited(Guid merchantId)
    {
        using var lease = _uploads.AttemptAcquire(merchantId);
        return lease.IsAcquired ? null : UploadError(ErrorKind.RateLimited, "Too many uploads", $"At most {options.Value.UploadsPerMinutePerMerchant} uploads a minute per merchant. Wait a minute and try again.");
    }

    /// <summary>The versions-per-document limit, then whether any storage quota is left; null when the upload may go ahead.</summary>
    private async Task<Error?> QuotaProblemAsync(Actor actor, Guid merchantId, DocumentType type, IReadOnlyList<KycDocumentVersion> versions,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (versions.Count(v => v.Type == type) >= limits.MaxVersionsPerDocument)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentRefused, AuditOutcome.Failure, Target(merchantId, type), "version limit"), cancellationToken);
            return UploadError(ErrorKind.Conflict, "Too many versions", $"{DocumentTypeNames.Describe(type)} already has {limits.MaxVersionsPerDocument} versions, the most kept per document. Ask your reviewer before replacing it again.");
        }

        var stored = versions.Sum(v => v.Length);
        if (stored >= limits.MaxBytesPerMerchant)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentRefused, AuditOutcome.Failure, Target(merchantId, type), "storage quota"), cancellationToken);
            return StorageQuotaReached(stored);
        }

        return null;
    }

    private Error StorageQuotaReached(long stored) => UploadError(ErrorKind.TooLarge, "Storage quota reached",
        $"Your documents may take at most {Megabytes(options.Value.MaxBytesPerMerchant)} MB in total and {Megabytes(stored)} MB is used. Upload a smaller file or ask your reviewer.");

    private static string Megabytes(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A new file changes what a reviewer decides on. While a decision can be taken (submitted, in review) the upload moves
    /// the case's version on, with a line in its history, so a decision made on what the reviewer read before this file
    /// conflicts instead of approving it unseen. The record is written first: a decision that checked the documents before
    /// it and committed before this step is seen here, and the upload is withdrawn (the second value says why). Not
    /// cancellable: once the record is written, it is either covered by the version change or withdrawn.
    /// </summary>
    private async Task<(Error Result, string Detail)?> MoveCaseOnAsync(Actor actor, Guid merchantId, DocumentType type)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await merchants.GetAsync(merchantId, CancellationToken.None) is not { } merchant)
            {
                return (Error.NotFound("No such merchant."), "merchant gone");
            }

            if (merchant.Status is MerchantStatus.Approved or MerchantStatus.Rejected)
            {
                return (UploadError(ErrorKind.Conflict, "Application closed", $"The application was {MerchantService.Describe(merchant.Status)} while the file uploaded; documents can no longer change."),
                    $"application {merchant.Status} during upload");
            }

            if (merchant.Status is not (MerchantStatus.Submitted or MerchantStatus.InReview))
            {
                return null; // a draft or an application sent back to the merchant: no decision can be taken on it
            }

            var now = clock.GetUtcNow();
            var change = new MerchantHistoryEntry(merchantId, now, actor.Name ?? actor.UserId ?? "merchant", actor.Role,
                $"{DocumentTypeNames.Describe(type)} uploaded", merchant.Status, null);
            if (await merchants.UpdateAsync(merchant with { UpdatedAt = now, Version = merchant.Version + 1 }, merchant.Version, change, CancellationToken.None) == MerchantWriteOutcome.Done)
            {
                return null;
            }
        }

        return (UploadError(ErrorKind.Conflict, "Application changed", "The application kept changing while the file uploaded. Try again."), "case kept changing");
    }

    /// <summary>
    /// An admin accepts or rejects (with a reason the merchant sees) the version they looked at. Only the newest version of a
    /// document is reviewed; if it changed since the admin loaded it (a new upload, another admin's decision) the result is a
    /// conflict. Audited as <c>kyc.document_accepted</c> / <c>kyc.document_rejected</c>.
    /// </summary>
    public async Task<Result> ReviewDocumentAsync(Actor actor, Guid merchantId, DocumentType type, string versionId, DocumentState seenState, bool accept,
        string? reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var action = accept ? AuditActions.KycDocumentAccepted : AuditActions.KycDocumentRejected;
        if (actor.Role != Roles.Admin)
        {
            await DeniedAsync(actor, action, Target(merchantId, type), $"role {actor.Role ?? "none"} may not review documents", cancellationToken);
            return Error.Forbidden("Only admins review documents.");
        }

        var trimmed = reason?.Trim();
        if (!accept && string.IsNullOrEmpty(trimmed))
        {
            return Error.Validation("Give the merchant a reason for rejecting the document.", new Dictionary<string, string[]>());
        }

        if (trimmed is { Length: > 1000 })
        {
            return Error.Validation("The reason is at most 1000 characters.", new Dictionary<string, string[]>());
        }

        if (!CardNumberRules.IsClean(trimmed))
        {
            return Error.Validation(CardNumberRules.Message, new Dictionary<string, string[]>());
        }

        if (await merchants.GetAsync(merchantId, cancellationToken) is not { } merchant)
        {
            return Error.NotFound("No such merchant.");
        }

        if (!MerchantRecord.Awaiting.Contains(merchant.Status) && merchant.Status != MerchantStatus.Draft)
        {
            return Error.Conflict($"The application is {MerchantService.Describe(merchant.Status)}; its documents can no longer change.");
        }

        var current = (await records.ListAsync(merchantId, cancellationToken)).FirstOrDefault(v => v.Type == type);
        if (current is null)
        {
            return Error.NotFound("No such document.");
        }

        if (current.VersionId != versionId)
        {
            await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Failure, Target(merchantId, type), $"version={versionId} superseded"), cancellationToken);
            return Error.Conflict("The merchant uploaded a newer version after you loaded this case. Reload to review the new file.");
        }

        var state = accept ? DocumentState.Accepted : DocumentState.Rejected;
        if (!await records.SetStateAsync(merchantId, type, versionId, seenState, state, accept ? null : trimmed, cancellationToken))
        {
            await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Failure, Target(merchantId, type), $"version={versionId} stale"), cancellationToken);
            return Error.Conflict("Someone else reviewed this document after you loaded the case. Reload to see their decision.");
        }

        // A document decision changes the case: it moves the case's version on (with a line in its history), so an approval
        // that checked the documents before this review conflicts instead of going through. If the case changed since it
        // was read here (decided, assigned), the document decision is undone and the reviewer reloads.
        var now = clock.GetUtcNow();
        var change = new MerchantHistoryEntry(merchantId, now, actor.Name ?? actor.UserId ?? "admin", actor.Role,
            $"{DocumentTypeNames.Describe(type)} {(accept ? "accepted" : "rejected")}", merchant.Status, accept ? null : trimmed);
        if (await merchants.UpdateAsync(merchant with { UpdatedAt = now, Version = merchant.Version + 1 }, merchant.Version, change, cancellationToken) != MerchantWriteOutcome.Done)
        {
            await records.SetStateAsync(merchantId, type, versionId, state, seenState, current.Reason, CancellationToken.None);
            await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Failure, Target(merchantId, type), $"version={versionId} case changed"), cancellationToken);
            return Error.Conflict("Someone else changed this case while you reviewed the document. Reload to see the case as it is now.");
        }

        await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Success, Target(merchantId, type), $"version={versionId}"), cancellationToken);
        return Result.Ok;
    }

    /// <summary>All versions of every document of a merchant, newest first (staff, or the merchant itself); null when unreachable.</summary>
    public async Task<IReadOnlyList<KycDocumentVersion>?> VersionsAsync(Actor actor, Guid merchantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return CanReach(actor, merchantId) ? await records.ListAsync(merchantId, cancellationToken) : null;
    }

    /// <summary>Opens one version for viewing or download (audited); null when unknown or not the actor's to see.</summary>
    public async Task<(KycDocumentVersion Version, Stream Content)?> OpenAsync(Actor actor, Guid merchantId, DocumentType type, string versionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!CanReach(actor, merchantId))
        {
            await DeniedAsync(actor, AuditActions.KycDocumentViewed, Target(merchantId, type), $"version={versionId} not the caller's merchant", cancellationToken);
            return null;
        }

        var version = (await records.ListAsync(merchantId, cancellationToken)).FirstOrDefault(v => v.Type == type && v.VersionId == versionId);
        if (version is null)
        {
            return null;
        }

        // Read the whole document once, authenticating every chunk and comparing its SHA-256 with the one recorded at
        // upload, before anyone starts a response: a tampered, truncated or swapped file fails here, loudly, and not one
        // byte of it is served. Documents are at most Kyc:MaxUploadBytes and views are rare, so reading twice is cheap;
        // the second read is authenticated chunk by chunk as well.
        bool intact;
        try
        {
            if (await HashAsync(Key(merchantId, type), versionId, cancellationToken) is not { } sha256)
            {
                return null;
            }

            intact = sha256 == version.Sha256;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            intact = false;
        }

        if (!intact)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentViewed, AuditOutcome.Failure, Target(merchantId, type), $"version={versionId} integrity check failed"), cancellationToken);
            throw new System.Security.Cryptography.CryptographicException($"Stored document {Target(merchantId, type)} version {versionId} failed its integrity check.");
        }

        if (await store.OpenReadAsync(Key(merchantId, type), versionId, cancellationToken) is not { } content)
        {
            return null;
        }

        await audit.AppendAsync(actor, new AuditEntry(AuditActions.KycDocumentViewed, AuditOutcome.Success, Target(merchantId, type), $"version={versionId}"), cancellationToken);
        return (version, content);
    }

    /// <summary>SHA-256 (lower-case hex) of a stored version's content, or null when the store has no such version.</summary>
    private async Task<string?> HashAsync(string key, string versionId, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(key, versionId, cancellationToken);
        return content is null ? null : Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(content, cancellationToken));
    }

    /// <summary>
    /// A signed-in caller reaching for another merchant's documents is an invalid access attempt (PCI DSS 10.2.4) and is
    /// audited; anonymous probes are not written, so they cannot fill the log (they are refused the same way).
    /// </summary>
    private async Task DeniedAsync(Actor actor, string action, string target, string detail, CancellationToken cancellationToken)
    {
        if (actor.UserId is not null)
        {
            await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Denied, target, detail), cancellationToken);
        }
    }

    private static bool CanReach(Actor actor, Guid merchantId) =>
        actor.Role is Roles.Admin or Roles.Compliance || (actor.IsMerchant && actor.MerchantId == merchantId);

    /// <summary>The document store key of a merchant's document type (also read by the restore check).</summary>
    internal static string Key(Guid merchantId, DocumentType type) => $"merchants/{merchantId:N}/{type}";

    private static string Target(Guid merchantId, DocumentType type) => $"mer_{merchantId:N}/{type}";

    private static Error UploadError(ErrorKind kind, string title, string detail) =>
        new(kind, detail, Title: title) { RetryAfter = kind == ErrorKind.RateLimited ? TimeSpan.FromMinutes(1) : null };
}
