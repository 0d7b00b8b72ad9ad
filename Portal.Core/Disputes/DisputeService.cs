using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Kyc;
using Portal.Core.Payments;
using Portal.Core.Security;

namespace Portal.Core.Disputes;

public sealed record DisputeListing(IReadOnlyList<Dispute> Items, string? NextCursor);

/// <summary>Disputes ÷ successful payments over the last <see cref="Window"/>; <see cref="Warning"/> at the card networks' monitoring level.</summary>
public sealed record DisputeRate(long Disputes, long Payments, double Percent, bool Warning, double WarningPercent, TimeSpan Window);

/// <summary>A notice shown in the portal: what happened to which dispute, and how urgent it is.</summary>
public sealed record DisputeNotice(Guid DisputeId, string Kind, string Message, DateTimeOffset At);

/// <summary>
/// The dispute use cases. A merchant reads and answers only its own disputes (another merchant's are "not found"); staff read
/// all (reads audited), and an admin records outcomes in sandbox mode. Evidence is saved as a draft any time the dispute is
/// open, submitted once (locked, then sent to the processor), or the dispute accepted instead. Every change is
/// version-checked and audited. Deadlines are read from the injected clock; a dispute past its deadline without a response
/// reads as expired before the sweep stores it.
/// </summary>
public sealed class DisputeService(
    IDisputeStore store,
    IPaymentStore payments,
    IDisputeProcessor processor,
    IDocumentStore documents,
    DisputeOutbox outbox,
    AuditService audit,
    IKeyRing keys,
    IOptions<DisputeOptions> options,
    TimeProvider clock,
    ILogger<DisputeService> logger)
{
    public const int MaxPageSize = 100;
    public static readonly TimeSpan RateWindow = TimeSpan.FromDays(30);
    private const string InvalidListing = "The listing has invalid parameters";

    private readonly SignedCursor<DisputeKeyset> _cursors = new(keys, "disputes");
    private readonly EvidenceValidator _validator = new();

    public bool SandboxOutcomes => processor.Simulated;

    public DisputeOptions Options => options.Value;

    public async Task<Result<DisputeListing>> ListAsync(Actor actor, int? limit, string? cursor, DisputeStatus? status, Guid? merchantId,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant && !Roles.IsStaff(actor.Role))
        {
            return new DisputeListing([], null);
        }

        if (limit is < 1 or > MaxPageSize)
        {
            return Error.Validation(InvalidListing, "limit", $"limit must be an integer between 1 and {MaxPageSize}.");
        }

        var query = new DisputeListQuery(actor.IsMerchant ? actor.MerchantId : merchantId, status, limit ?? 20);
        if (cursor is not null)
        {
            if (_cursors.Decode(cursor, Fingerprint(query)) is not { } after)
            {
                return Error.Validation(InvalidListing, "cursor", "cursor is not valid for this listing. Start again without a cursor.");
            }

            query = query with { After = after };
        }

        var page = await store.ListAsync(query, cancellationToken);
        var now = clock.GetUtcNow();
        return new DisputeListing(page.Items.Select(d => d.AsOf(now)).ToList(), page.Next is { } next ? _cursors.Encode(next, Fingerprint(query)) : null);
    }

    /// <summary>One dispute as of now. Staff reads are audited (evidence holds the customer's name, email and address).</summary>
    public async Task<Result<Dispute>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var dispute = await store.GetAsync(id, cancellationToken);
        if (dispute is null || !CanSee(actor, dispute))
        {
            return Error.NotFound();
        }

        if (!actor.IsMerchant)
        {
            await audit.AppendAsync(actor, new AuditEntry(DisputeAuditActions.Viewed, AuditOutcome.Success, dispute.DisplayId), cancellationToken);
        }

        return dispute.AsOf(clock.GetUtcNow());
    }

    /// <summary>Saves the written evidence as a draft, replacing the last draft. Refused once submitted or closed, and after the deadline.</summary>
    public async Task<Result<Dispute>> SaveDraftAsync(Actor actor, Guid id, DisputeEvidence evidence, long? expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        evidence = Normalize(evidence);
        var validation = await _validator.ValidateAsync(evidence, cancellationToken);
        if (!validation.IsValid)
        {
            return Error.Validation("The evidence has invalid fields",
                validation.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
        }

        return await ChangeAsync(actor, id, expectedVersion, DisputeAuditActions.EvidenceSaved, (d, now) =>
            Editable(d, now) ?? (Result<Dispute>)(d with { Evidence = evidence, EvidenceState = EvidenceState.Draft }), cancellationToken);
    }

    /// <summary>
    /// Adds an evidence file of a type: the same intake as KYC documents (format sniffed from its first bytes, PDF, JPEG or
    /// PNG; size limited while streaming; SHA-256 on the way), stored encrypted in the document store.
    /// </summary>
    public async Task<Result<Dispute>> UploadFileAsync(Actor actor, Guid id, EvidenceFileType type, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(content);
        if (await OwnAsync(actor, id, cancellationToken) is not { } dispute)
        {
            return Error.NotFound();
        }

        var now = clock.GetUtcNow();
        if (Editable(dispute, now) is { } closed)
        {
            return closed;
        }

        if (dispute.Files.Count >= options.Value.MaxFilesPerDispute)
        {
            return Error.Unprocessable($"A dispute takes at most {options.Value.MaxFilesPerDispute} files.", "Too many files");
        }

        var fileId = Guid.CreateVersion7(now);
        var key = $"disputes/{dispute.MerchantId:N}/{dispute.Id:N}/{fileId:N}";
        await using var intake = await DocumentIntake.OpenAsync(content, options.Value.MaxFileBytes, cancellationToken);
        if (intake is null)
        {
            await audit.AppendAsync(actor, new AuditEntry(DisputeAuditActions.FileRefused, AuditOutcome.Failure, dispute.DisplayId, "not a PDF, JPEG or PNG"), cancellationToken);
            return new Error(ErrorKind.UnsupportedContent, "Evidence files must be PDF, JPEG or PNG.", Title: "Unsupported file type");
        }

        string versionId;
        try
        {
            versionId = await documents.PutAsync(key, intake, DocumentIntake.ContentType(intake.Format), cancellationToken);
        }
        catch (DocumentTooLargeException)
        {
            await audit.AppendAsync(actor, new AuditEntry(DisputeAuditActions.FileRefused, AuditOutcome.Failure, dispute.DisplayId, "too large"), cancellationToken);
            return new Error(ErrorKind.TooLarge, $"Evidence files must be at most {options.Value.MaxFileBytes / (1024 * 1024)} MB.", Title: "File too large");
        }

        var file = new EvidenceFile(fileId, type, key, versionId, DocumentIntake.ContentType(intake.Format), intake.BytesRead, intake.Sha256, now);
        return await ChangeAsync(actor, id, null, DisputeAuditActions.FileUploaded, (d, at) =>
            Editable(d, at) ?? (Result<Dispute>)(d with { Files = [.. d.Files, file], EvidenceState = EvidenceState.Draft }), cancellationToken,
            $"file={file.Id:N} type={DisputeNames.FileType(type)} sha256={file.Sha256}");
    }

    /// <summary>Opens one evidence file for viewing (audited); null when unknown or not the actor's to see.</summary>
    public async Task<(EvidenceFile File, Stream Content)?> OpenFileAsync(Actor actor, Guid id, Guid fileId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var dispute = await store.GetAsync(id, cancellationToken);
        if (dispute is null || !CanSee(actor, dispute) || dispute.Files.FirstOrDefault(f => f.Id == fileId) is not { } file
            || await documents.OpenReadAsync(file.DocumentKey, file.VersionId, cancellationToken) is not { } stream)
        {
            return null;
        }

        await audit.AppendAsync(actor, new AuditEntry(DisputeAuditActions.FileViewed, AuditOutcome.Success, dispute.DisplayId, $"file={file.Id:N}"), cancellationToken);
        return (file, stream);
    }

    /// <summary>
    /// Submits the evidence once: the dispute is first stored as submitted (locked, under review) at the version read, so of two
    /// concurrent submissions one wins and only it calls the processor; if the processor refuses, the lock is released and the
    /// draft kept. After the deadline, or a second time, nothing is sent.
    /// </summary>
    public Task<Result<Dispute>> SubmitAsync(Actor actor, Guid id, long? expectedVersion, CancellationToken cancellationToken = default) =>
        DecideAsync(actor, id, expectedVersion, DisputeAuditActions.Submitted, (d, now) =>
        {
            if (Closed(d, now) is { } closed)
            {
                return closed;
            }

            if (d.Evidence.IsEmpty && d.Files.Count == 0)
            {
                return Error.Validation("Add evidence before submitting", "evidence", "Fill in at least one evidence field or add a file before submitting.");
            }

            return d with { Status = DisputeStatus.UnderReview, EvidenceState = EvidenceState.Submitted, SubmittedAt = now };
        }, processor.SubmitEvidenceAsync, cancellationToken);

    /// <summary>Accepts the dispute instead of answering it (it counts as lost); nothing is sent after the deadline.</summary>
    public Task<Result<Dispute>> AcceptAsync(Actor actor, Guid id, long? expectedVersion, CancellationToken cancellationToken = default) =>
        DecideAsync(actor, id, expectedVersion, DisputeAuditActions.Accepted, (d, now) =>
            Closed(d, now) ?? (Result<Dispute>)(d with { Status = DisputeStatus.Accepted }), processor.AcceptAsync, cancellationToken);

    /// <summary>Sandbox only: an admin records the processor's decision (won or lost) on a dispute that is not closed yet.</summary>
    public async Task<Result<Dispute>> RecordOutcomeAsync(Actor actor, Guid id, DisputeStatus outcome, long? expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != Roles.Admin)
        {
            return Error.Forbidden("Only an admin records a dispute's outcome.");
        }

        if (!processor.Simulated)
        {
            return Error.Forbidden("Outcomes come from the processor's webhooks; they are recorded by hand only in sandbox mode.");
        }

        if (outcome is not (DisputeStatus.Won or DisputeStatus.Lost))
        {
            return Error.Validation("The outcome is invalid", "outcome", "outcome must be won or lost.");
        }

        var before = await store.GetAsync(id, cancellationToken);
        var result = await ChangeAsync(actor, id, expectedVersion, DisputeAuditActions.OutcomeRecorded, (d, now) =>
            d.Status is DisputeStatus.Won or DisputeStatus.Lost or DisputeStatus.Accepted
                ? Error.Conflict($"This dispute is already closed ({DisputeNames.Label(d.Status).ToLowerInvariant()}).", "Dispute closed")
                : (Result<Dispute>)(d.IsClosed ? d with { Status = outcome } : d.Announcing(PaymentEventTypes.DisputeClosed, now) with { Status = outcome }),
            cancellationToken, $"outcome={DisputeNames.Status(outcome)}", staffMayChange: true);
        if (result.TryGet(out var closed) && before is not null && !before.IsClosed)
        {
            await outbox.ClosedAsync(closed, cancellationToken);
        }

        return result;
    }

    /// <summary>The merchant's disputes ÷ successful payments over the last 30 days.</summary>
    public async Task<DisputeRate?> RateAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var since = now - RateWindow;
        var disputes = await store.CountOpenedSinceAsync(actor.MerchantId!.Value, since, cancellationToken);
        var stats = await payments.StatsAsync(actor.MerchantId, since, now.AddMinutes(1), cancellationToken);
        var paid = stats.Where(b => b.Status is PaymentStatus.Succeeded).Sum(b => b.Count);
        var percent = paid == 0 ? (disputes > 0 ? 100 : 0) : 100.0 * disputes / paid;
        return new DisputeRate(disputes, paid, percent, percent >= options.Value.RateWarningPercent, options.Value.RateWarningPercent, RateWindow);
    }

    /// <summary>
    /// The in-portal notices of the merchant's disputes: opened in the last 7 days, due within the reminder window with no
    /// evidence submitted, and closed in the last 7 days. Computed from the disputes themselves, newest first.
    /// </summary>
    public async Task<IReadOnlyList<DisputeNotice>> NoticesAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant)
        {
            return [];
        }

        var now = clock.GetUtcNow();
        var recent = now.AddDays(-7);
        var page = await store.ListAsync(new DisputeListQuery(actor.MerchantId, Limit: 50), cancellationToken);
        var notices = new List<DisputeNotice>();
        foreach (var d in page.Items.Select(d => d.AsOf(now)))
        {
            if (d.Status == DisputeStatus.NeedsResponse && d.EvidenceDueBy - now <= TimeSpan.FromHours(options.Value.ReminderHours))
            {
                notices.Add(new DisputeNotice(d.Id, "due_soon", $"Dispute {d.DisplayId}: evidence due by {d.EvidenceDueBy:yyyy-MM-dd HH:mm} UTC and none submitted yet.", d.EvidenceDueBy));
            }
            else if (d.IsClosed && d.UpdatedAt >= recent)
            {
                notices.Add(new DisputeNotice(d.Id, "closed", $"Dispute {d.DisplayId} closed: {DisputeNames.Label(d.Status).ToLowerInvariant()}.", d.UpdatedAt));
            }
            else if (d.CreatedAt >= recent && d.Status == DisputeStatus.NeedsResponse)
            {
                notices.Add(new DisputeNotice(d.Id, "opened", $"Dispute {d.DisplayId} opened ({d.Reason}).", d.CreatedAt));
            }
        }

        return notices;
    }

    private async Task<Result<Dispute>> DecideAsync(Actor actor, Guid id, long? expectedVersion, string action, Func<Dispute, DateTimeOffset, Result<Dispute>> decide,
        Func<Dispute, CancellationToken, Task<DisputeProcessorResult>> send, CancellationToken cancellationToken)
    {
        var before = await OwnAsync(actor, id, cancellationToken);

        // The event is owed from the write that locks the dispute, but published only once the processor took the decision:
        // a crash in between leaves the dispute locked with the event owed, and the sweep publishes it, as the record says.
        Result<Dispute> DecideAndAnnounce(Dispute d, DateTimeOffset now)
        {
            var result = decide(d, now);
            return result.TryGet(out var decided) ? decided.Announcing(decided.IsClosed ? PaymentEventTypes.DisputeClosed : PaymentEventTypes.DisputeUpdated, now) : result;
        }

        var claimed = await ChangeAsync(actor, id, expectedVersion, action, DecideAndAnnounce, cancellationToken, audited: false, publish: false);
        if (!claimed.TryGet(out var locked))
        {
            if (claimed.Error!.Kind is ErrorKind.Conflict or ErrorKind.Unprocessable && before is not null)
            {
                await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Failure, before.DisplayId, claimed.Error.Message), cancellationToken);
            }

            return claimed;
        }

        // The dispute is locked under our version: nobody else can send. The call must finish even if the client goes away.
        var sent = await send(locked, CancellationToken.None);
        if (!sent.Succeeded)
        {
            var released = before! with { UpdatedAt = clock.GetUtcNow(), UpdatedBy = Who(actor), Version = locked.Version + 1 };
            if (await store.UpdateAsync(released, locked.Version, CancellationToken.None) != DisputeWriteOutcome.Done)
            {
                logger.LogWarning("Dispute {DisputeId} changed while its processor call failed; left as it is", locked.DisplayId);
            }

            await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Failure, locked.DisplayId, "processor refused"), CancellationToken.None);
            return new Error(ErrorKind.Declined, sent.Message ?? "The processor refused the request.", Title: "The processor refused");
        }

        await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Success, locked.DisplayId), CancellationToken.None);
        locked = await outbox.PublishAsync(locked, CancellationToken.None);
        if (locked.IsClosed)
        {
            await outbox.ClosedAsync(locked, CancellationToken.None);
        }

        return locked;
    }

    /// <summary>Reads the actor's own dispute, applies <paramref name="change"/> at the expected version, stores and audits it.</summary>
    private async Task<Result<Dispute>> ChangeAsync(Actor actor, Guid id, long? expectedVersion, string action, Func<Dispute, DateTimeOffset, Result<Dispute>> change,
        CancellationToken cancellationToken, string? detail = null, bool audited = true, bool staffMayChange = false, bool publish = true)
    {
        ArgumentNullException.ThrowIfNull(actor);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = staffMayChange ? await store.GetAsync(id, cancellationToken) : await OwnAsync(actor, id, cancellationToken);
            if (current is null)
            {
                return actor.IsMerchant || staffMayChange ? Error.NotFound() : (Result<Dispute>)Error.Forbidden("Only the merchant answers its disputes.");
            }

            if (expectedVersion is { } expected && expected != current.Version)
            {
                return Stale(current);
            }

            var now = clock.GetUtcNow();
            var decided = change(current, now);
            if (!decided.TryGet(out var updated))
            {
                return decided;
            }

            updated = updated with { UpdatedAt = now, UpdatedBy = Who(actor), Version = current.Version + 1 };
            switch (await store.UpdateAsync(updated, current.Version, cancellationToken))
            {
                case DisputeWriteOutcome.Done:
                    if (audited)
                    {
                        await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Success, updated.DisplayId, detail), cancellationToken);
                    }

                    return publish ? await outbox.PublishAsync(updated, cancellationToken) : updated;
                case DisputeWriteOutcome.NotFound:
                    return Error.NotFound();
                case DisputeWriteOutcome.VersionConflict when expectedVersion is not null:
                    return Stale(await store.GetAsync(id, cancellationToken) ?? current);
                default:
                    continue; // changed by someone in between and the caller named no version: read again
            }
        }

        return Error.Conflict("This dispute is changing right now. Reload it and try again.");
    }

    private static Error Stale(Dispute current) =>
        Error.Conflict($"Someone else changed this dispute ({current.UpdatedBy}, {current.UpdatedAt:yyyy-MM-dd HH:mm:ss} UTC). Reload it to see their change, then try again.",
            "Dispute changed");

    /// <summary>Why the evidence may not change now, or null while it may.</summary>
    private static Error? Editable(Dispute d, DateTimeOffset now) =>
        d.EvidenceState == EvidenceState.Submitted
            ? Error.Conflict($"The evidence was submitted on {d.SubmittedAt:yyyy-MM-dd HH:mm} UTC and is locked.", "Evidence locked")
            : Closed(d, now);

    private static Error? Closed(Dispute d, DateTimeOffset now)
    {
        if (d.EvidenceState == EvidenceState.Submitted)
        {
            return Error.Conflict($"The evidence was already submitted on {d.SubmittedAt:yyyy-MM-dd HH:mm} UTC; it is sent once and now locked.", "Evidence already submitted");
        }

        if (d.Status == DisputeStatus.NeedsResponse && now > d.EvidenceDueBy)
        {
            return Error.Unprocessable($"The evidence deadline passed on {d.EvidenceDueBy:yyyy-MM-dd HH:mm} UTC; nothing can be sent for this dispute any more.", "Deadline passed");
        }

        return d.Status != DisputeStatus.NeedsResponse
            ? Error.Conflict($"This dispute is {DisputeNames.Label(d.Status).ToLowerInvariant()}; it no longer takes a response.", "Dispute not open")
            : null;
    }

    private async Task<Dispute?> OwnAsync(Actor actor, Guid id, CancellationToken cancellationToken) =>
        actor.IsMerchant && await store.GetAsync(id, cancellationToken) is { } d && d.MerchantId == actor.MerchantId ? d : null;

    private static bool CanSee(Actor actor, Dispute d) => Roles.IsStaff(actor.Role) || (actor.IsMerchant && actor.MerchantId == d.MerchantId);

    private static string Who(Actor actor) => actor.Name ?? actor.UserId ?? "unknown";

    private static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DisputeEvidence Normalize(DisputeEvidence e) => new(Trim(e.ProductDescription), Trim(e.CustomerName), Trim(e.CustomerEmailAddress), Trim(e.BillingAddress),
        Trim(e.ServiceDate), Trim(e.ShippingCarrier), Trim(e.ShippingTrackingNumber), Trim(e.RefundPolicyDisclosure), Trim(e.CancellationRebuttal), Trim(e.Explanation));

    private static string Fingerprint(DisputeListQuery q) => $"{q.MerchantId}|{q.Status}|{q.Limit}";
}
