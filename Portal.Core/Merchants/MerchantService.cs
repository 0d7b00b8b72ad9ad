using Portal.Core.Audit;
using Portal.Core.Security;

namespace Portal.Core.Merchants;

public sealed record MerchantListing(IReadOnlyList<MerchantSummary> Items, string? NextCursor);

public enum ReviewDecision
{
    StartReview,
    Approve,
    Reject,
    RequestInformation,
}

/// <summary>
/// Merchant use cases. Tenant rule: a merchant actor reaches only the merchant whose id it carries (another id looks
/// unknown); staff reach all. Every read of PII and every change goes to the audit trail.
/// </summary>
public sealed class MerchantService(IMerchantStore store, MerchantPiiVault vault, MerchantCursor cursors, AuditService audit, TimeProvider clock)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    private static readonly HashSet<MerchantStatus> MerchantEditable = [MerchantStatus.Draft, MerchantStatus.MoreInformationRequested];

    private readonly KybFormValidator _kyb = new(clock);
    private readonly RegisterMerchantValidator _register = new();
    private readonly KybDraftValidator _draft = new();

    public KybFormValidator Kyb => _kyb;

    /// <summary>POST /api/v1/merchants. A merchant registers its own id; admins register new merchants (Compliance is read-only). Status and entity type are the server's.</summary>
    public async Task<Result<Merchant>> RegisterAsync(Actor actor, RegisterMerchantRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        // Who may register comes before what was sent: a refused caller learns nothing from field errors.
        if (!actor.IsMerchant && actor.Role != Roles.Admin)
        {
            // Compliance is read-only (PCI DSS 7.2 separation of duties); the attempt is on the record.
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.MerchantCreated, AuditOutcome.Denied, null, $"role {actor.Role ?? "none"} may not register merchants"), cancellationToken);
            return Error.Forbidden(actor.Role == Roles.Compliance
                ? "Compliance is read-only: it cannot register merchants."
                : "Only merchants and admins register merchants.");
        }

        var validation = _register.Validate(request);
        if (!validation.IsValid)
        {
            return Error.Validation("The request has invalid fields.", Errors(validation, Api));
        }

        var id = actor.IsMerchant ? actor.MerchantId!.Value : Guid.CreateVersion7(clock.GetUtcNow());

        var pii = MerchantPii.Empty with { ContactEmail = request.ContactEmail!.Trim().ToLowerInvariant() };
        return await CreateAsync(actor, id, request.BusinessName!.Trim(), request.CacNumber!.Trim(), null, null, null, null, pii, cancellationToken);
    }

    /// <summary>The merchant's own record for the wizard and status page, or null before the first draft.</summary>
    public async Task<Merchant?> GetOwnAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.MerchantId is not { } id || await store.GetAsync(id, cancellationToken) is not { } record)
        {
            return null;
        }

        var merchant = await OpenAsync(record, cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.MerchantViewed, AuditOutcome.Success, merchant.DisplayId, "own"), cancellationToken);
        return merchant;
    }

    /// <summary>Saves the wizard after a step: creates the draft on the first save. Only the fields of valid steps are required.</summary>
    public async Task<Result<Merchant>> SaveDraftAsync(Actor actor, KybForm form, long? expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(form);
        if (!actor.IsMerchant)
        {
            return Error.Forbidden("Only the merchant fills in its application.");
        }

        var business = _kyb.Steps[KybStep.Business].Validate(form);
        if (!business.IsValid)
        {
            return Error.Validation("Complete the business details first.", Errors(business, Form));
        }

        var draft = _draft.Validate(form);
        if (!draft.IsValid)
        {
            return Error.Validation("Some fields hold what looks like a card number.", Errors(draft, Form));
        }

        var id = actor.MerchantId!.Value;
        var existing = await store.GetAsync(id, cancellationToken);
        var pii = ToPii(form);
        if (existing is null)
        {
            return await CreateAsync(actor, id, form.BusinessName!.Trim(), form.CacNumber!.Trim(), form.BusinessType, form.RegisteredAddress?.Trim(),
                MerchantRules.NormalizeWebsite(form.Website), form.Industry, pii, cancellationToken);
        }

        if (!MerchantEditable.Contains(existing.Status))
        {
            return Error.Conflict($"The application is {Describe(existing.Status)} and can no longer be edited.");
        }

        var now = clock.GetUtcNow();
        var updated = existing with
        {
            BusinessName = form.BusinessName!.Trim(),
            CacNumber = form.CacNumber!.Trim(),
            BusinessType = form.BusinessType,
            RegisteredAddress = form.RegisteredAddress?.Trim(),
            Website = MerchantRules.NormalizeWebsite(form.Website),
            Industry = form.Industry,
            SealedPii = await vault.SealAsync(id, pii, cancellationToken),
            ContactEmailHash = vault.EmailHash(pii.ContactEmail),
            UpdatedAt = now,
            Version = existing.Version + 1,
        };
        return await WriteAsync(actor, updated, expectedVersion ?? existing.Version, "draft saved", null, AuditActions.MerchantDraftSaved, cancellationToken, existing);
    }

    /// <summary>Submits the application for review once every step is valid.</summary>
    public async Task<Result<Merchant>> SubmitAsync(Actor actor, KybForm form, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var errors = _kyb.Steps.Values.Select(v => v.Validate(form)).Where(r => !r.IsValid).ToList();
        if (errors.Count > 0)
        {
            return Error.Validation("Some steps are incomplete.", Errors(errors.SelectMany(e => e.Errors), Form));
        }

        var saved = await SaveDraftAsync(actor, form, expectedVersion, cancellationToken);
        if (!saved.Succeeded)
        {
            return saved;
        }

        var merchant = saved.Value!;
        var record = (await store.GetAsync(merchant.Id, cancellationToken))!;
        var now = clock.GetUtcNow();
        var submitted = record with { Status = MerchantStatus.Submitted, StatusNote = null, UpdatedAt = now, SubmittedAt = now, Version = record.Version + 1 };
        return await WriteAsync(actor, submitted, record.Version, "submitted for review", null, AuditActions.MerchantSubmitted, cancellationToken, record);
    }

    /// <summary>Staff decisions on an application, with optimistic concurrency: a stale version is a conflict, never an overwrite.</summary>
    public async Task<Result<Merchant>> ReviewAsync(Actor actor, Guid id, ReviewDecision decision, string? note, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != Roles.Admin)
        {
            // Compliance is read-only (PCI DSS 7.2); an attempt to act on a case is on the record.
            await audit.AppendAsync(actor, new AuditEntry(DecisionAction(decision), AuditOutcome.Denied, new MerchantId(id).ToString(), $"role {actor.Role ?? "none"}"), cancellationToken);
            return Error.Forbidden("Only admins review merchants.");
        }

        if (await store.GetAsync(id, cancellationToken) is not { } record)
        {
            return Error.NotFound("No such merchant.");
        }

        if (record.Proposal is { } pending)
        {
            return PendingProposal(pending);
        }

        if (Check(record, decision, note, expectedVersion) is { } refused)
        {
            return refused;
        }

        var (_, to, change, _) = Transition(decision);
        var trimmed = note?.Trim();
        var updated = record with { Status = to, StatusNote = trimmed, UpdatedAt = clock.GetUtcNow(), Version = record.Version + 1 };
        return await WriteAsync(actor, updated, expectedVersion, change, trimmed, DecisionAction(decision), cancellationToken, record);
    }

    /// <summary>
    /// Four-eyes, step one: an admin proposes an approval or rejection; nothing about the merchant's status changes until a
    /// second admin confirms (<see cref="ConfirmProposalAsync"/>) or sends it back (<see cref="SendBackProposalAsync"/>).
    /// The proposal is a versioned write of the merchant, so it is in the history and the audit trail like any decision.
    /// Whether a decision needs a second admin is the caller's rule (<see cref="Kyc.KycCaseService"/>, by risk level).
    /// </summary>
    public async Task<Result<Merchant>> ProposeAsync(Actor actor, Guid id, ReviewDecision decision, string? note, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (await AdminRecordAsync(actor, id, AuditActions.MerchantDecisionProposed, cancellationToken) is not { } record)
        {
            return actor.Role == Roles.Admin ? Error.NotFound("No such merchant.") : Error.Forbidden("Only admins review merchants.");
        }

        if (decision is not (ReviewDecision.Approve or ReviewDecision.Reject))
        {
            return Error.Validation("Only approvals and rejections are proposed.", "decision", "Only approvals and rejections need a second admin.");
        }

        if (record.Proposal is { } pending)
        {
            return PendingProposal(pending);
        }

        if (Check(record, decision, note, expectedVersion) is { } refused)
        {
            return refused;
        }

        var trimmed = note?.Trim();
        var now = clock.GetUtcNow();
        var proposal = new KybProposal(decision, trimmed, ProposerId(actor), ReviewerName(actor), now);
        var updated = record with { Proposal = proposal, UpdatedAt = now, Version = record.Version + 1 };
        return await WriteAsync(actor, updated, expectedVersion, $"{Verb(decision)} proposed, waiting for a second admin", trimmed, AuditActions.MerchantDecisionProposed,
            cancellationToken, record);
    }

    /// <summary>
    /// Four-eyes, step two: a second admin confirms the pending proposal, which then applies as the decision itself (status,
    /// history, audit under the decision's own action). The proposer cannot confirm their own proposal. Two admins
    /// confirming at once: the versioned write lets one through; the other gets the conflict.
    /// </summary>
    public async Task<Result<Merchant>> ConfirmProposalAsync(Actor actor, Guid id, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (await AdminRecordAsync(actor, id, AuditActions.MerchantApproved, cancellationToken) is not { } record)
        {
            return actor.Role == Roles.Admin ? Error.NotFound("No such merchant.") : Error.Forbidden("Only admins review merchants.");
        }

        if (record.Version != expectedVersion)
        {
            return Error.Conflict("Someone else changed this merchant after you opened it. Reload to see their change.");
        }

        if (record.Proposal is not { } proposal)
        {
            return Error.Conflict("There is no proposal waiting to be confirmed.");
        }

        if (proposal.ProposerId == ProposerId(actor))
        {
            await audit.AppendAsync(actor, new AuditEntry(DecisionAction(proposal.Decision), AuditOutcome.Denied, new MerchantId(id).ToString(), "own proposal"), cancellationToken);
            return Error.Forbidden("You proposed this decision: a second admin must confirm it.");
        }

        if (Check(record, proposal.Decision, proposal.Note, expectedVersion) is { } refused)
        {
            return refused;
        }

        var (_, to, change, _) = Transition(proposal.Decision);
        var updated = record with { Status = to, StatusNote = proposal.Note, Proposal = null, UpdatedAt = clock.GetUtcNow(), Version = record.Version + 1 };
        return await WriteAsync(actor, updated, expectedVersion, $"{change} (proposed by {proposal.ProposedBy}, confirmed by {ReviewerName(actor)})", proposal.Note,
            DecisionAction(proposal.Decision), cancellationToken, record);
    }

    /// <summary>
    /// Four-eyes, the other answer: a second admin sends the proposal back with a note (required); the case stays where it
    /// was, without a proposal, and the note is in its history for the proposer to read. The proposer may also withdraw
    /// their own proposal this way.
    /// </summary>
    public async Task<Result<Merchant>> SendBackProposalAsync(Actor actor, Guid id, string? note, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (await AdminRecordAsync(actor, id, AuditActions.MerchantDecisionSentBack, cancellationToken) is not { } record)
        {
            return actor.Role == Roles.Admin ? Error.NotFound("No such merchant.") : Error.Forbidden("Only admins review merchants.");
        }

        if (!CardNumberRules.IsClean(note))
        {
            return Error.Validation(CardNumberRules.Message, new Dictionary<string, string[]> { ["note"] = [CardNumberRules.Message] });
        }

        if (string.IsNullOrWhiteSpace(note))
        {
            return Error.Validation("Say why it goes back.", new Dictionary<string, string[]> { ["note"] = ["Say why the proposal goes back, for the admin who made it."] });
        }

        if (record.Version != expectedVersion)
        {
            return Error.Conflict("Someone else changed this merchant after you opened it. Reload to see their change.");
        }

        if (record.Proposal is not { } proposal)
        {
            return Error.Conflict("There is no proposal waiting to be sent back.");
        }

        var trimmed = note.Trim();
        var updated = record with { Proposal = null, UpdatedAt = clock.GetUtcNow(), Version = record.Version + 1 };
        return await WriteAsync(actor, updated, expectedVersion, $"{Verb(proposal.Decision)} proposed by {proposal.ProposedBy} sent back", trimmed,
            AuditActions.MerchantDecisionSentBack, cancellationToken, record);
    }

    /// <summary>The record when the actor is an admin and the merchant exists; a non-admin's attempt is audited as denied.</summary>
    private async Task<MerchantRecord?> AdminRecordAsync(Actor actor, Guid id, string action, CancellationToken cancellationToken)
    {
        if (actor.Role != Roles.Admin)
        {
            await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Denied, new MerchantId(id).ToString(), $"role {actor.Role ?? "none"}"), cancellationToken);
            return null;
        }

        return await store.GetAsync(id, cancellationToken);
    }

    /// <summary>Who proposed, for the self-confirmation rule: the user id (stable), else the name.</summary>
    private static string ProposerId(Actor actor) => actor.UserId ?? ReviewerName(actor);

    private static string Verb(ReviewDecision decision) => decision == ReviewDecision.Approve ? "approval" : "rejection";

    private static Error PendingProposal(KybProposal pending) =>
        Error.Conflict($"A{(pending.Decision == ReviewDecision.Approve ? "n" : "")} {Verb(pending.Decision)} proposed by {pending.ProposedBy} is waiting for a second admin: confirm it or send it back first.");

    private static (MerchantStatus[] AllowedFrom, MerchantStatus To, string Change, bool NeedsNote) Transition(ReviewDecision decision) => decision switch
    {
        ReviewDecision.StartReview => ([MerchantStatus.Submitted], MerchantStatus.InReview, "review started", false),
        ReviewDecision.Approve => ([MerchantStatus.Submitted, MerchantStatus.InReview], MerchantStatus.Approved, "approved", false),
        ReviewDecision.Reject => ([MerchantStatus.Submitted, MerchantStatus.InReview], MerchantStatus.Rejected, "rejected", true),
        ReviewDecision.RequestInformation => ([MerchantStatus.Submitted, MerchantStatus.InReview], MerchantStatus.MoreInformationRequested, "more information requested", true),
        _ => throw new ArgumentOutOfRangeException(nameof(decision)),
    };

    /// <summary>The rules a decision must pass at the version the admin saw: a clean note where one is needed, and a status it may leave.</summary>
    private static Error? Check(MerchantRecord record, ReviewDecision decision, string? note, long expectedVersion)
    {
        var (allowedFrom, _, change, needsNote) = Transition(decision);
        if (!CardNumberRules.IsClean(note))
        {
            return Error.Validation(CardNumberRules.Message, new Dictionary<string, string[]> { ["note"] = [CardNumberRules.Message] });
        }

        if (needsNote && string.IsNullOrWhiteSpace(note))
        {
            return Error.Validation("Give a reason or message.", new Dictionary<string, string[]> { ["note"] = ["Give a reason or message for the merchant."] });
        }

        if (record.Version != expectedVersion)
        {
            return Error.Conflict("Someone else changed this merchant after you opened it. Reload to see their change.");
        }

        return allowedFrom.Contains(record.Status) ? null : Error.Conflict($"A merchant that is {Describe(record.Status)} cannot be {change}.");
    }

    /// <summary>
    /// An admin takes a case from the KYC queue. Optimistic concurrency as for decisions: if the case changed since the admin
    /// loaded it (another admin took it, say), the result is a conflict naming the current assignee, never an overwrite.
    /// </summary>
    public async Task<Result<Merchant>> AssignAsync(Actor actor, Guid id, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != Roles.Admin)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.MerchantAssigned, AuditOutcome.Denied, new MerchantId(id).ToString(), $"role {actor.Role ?? "none"}"), cancellationToken);
            return Error.Forbidden("Only admins take KYC cases.");
        }

        if (await store.GetAsync(id, cancellationToken) is not { } record)
        {
            return Error.NotFound("No such merchant.");
        }

        var me = ReviewerName(actor);
        if (record.Version != expectedVersion)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.MerchantAssigned, AuditOutcome.Failure, new MerchantId(id).ToString(), "stale version"), cancellationToken);
            return Error.Conflict(record.AssignedTo is { } other && other != me
                ? $"Someone else changed this case after you loaded it: it is now assigned to {other}. Reload to see their change."
                : "Someone else changed this case after you loaded it. Reload to see their change.");
        }

        if (!MerchantRecord.Awaiting.Contains(record.Status))
        {
            return Error.Conflict($"A merchant that is {Describe(record.Status)} is not waiting for review.");
        }

        var updated = record with { AssignedTo = me, UpdatedAt = clock.GetUtcNow(), Version = record.Version + 1 };
        return await WriteAsync(actor, updated, expectedVersion, $"assigned to {me}", null, AuditActions.MerchantAssigned, cancellationToken, record);
    }

    /// <summary>The audit action of a review decision (names kept from before they were constants, so old events still match).</summary>
    public static string DecisionAction(ReviewDecision decision) => decision switch
    {
        ReviewDecision.StartReview => AuditActions.MerchantReviewStarted,
        ReviewDecision.Approve => AuditActions.MerchantApproved,
        ReviewDecision.Reject => AuditActions.MerchantRejected,
        ReviewDecision.RequestInformation => AuditActions.MerchantInformationRequested,
        _ => throw new ArgumentOutOfRangeException(nameof(decision)),
    };

    /// <summary>How a reviewer is named on cases (assignee) and in the queue's "assigned to me" filter.</summary>
    public static string ReviewerName(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.Name ?? actor.UserId ?? "admin";
    }

    /// <summary>One merchant with its PII. Merchants see only their own (any other id is NotFound); staff reads are audited.</summary>
    public async Task<Result<Merchant>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var allowed = actor.Role is Roles.Admin or Roles.Compliance || (actor.IsMerchant && actor.MerchantId == id);
        if (!allowed || await store.GetAsync(id, cancellationToken) is not { } record)
        {
            return Error.NotFound("No such merchant.");
        }

        var merchant = await OpenAsync(record, cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.MerchantViewed, AuditOutcome.Success, merchant.DisplayId, "pii"), cancellationToken);
        return Result<Merchant>.Ok(merchant);
    }

    /// <summary>Shows an admin the full settlement account number: audited, because it is the most sensitive field here.</summary>
    public async Task<Result<string>> RevealAccountNumberAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != Roles.Admin || await store.GetAsync(id, cancellationToken) is not { } record)
        {
            return Error.NotFound("No such merchant.");
        }

        var pii = await vault.OpenAsync(id, record.SealedPii, cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.MerchantBankAccountRevealed, AuditOutcome.Success, new MerchantId(id).ToString()), cancellationToken);
        return pii.Bank is null ? Error.NotFound("No settlement account yet.") : Result<string>.Ok(pii.Bank.AccountNumber);
    }

    /// <summary>Staff listing with a signed cursor. Unknown or altered cursors are Invalid, not a crash or a wrong page.</summary>
    public async Task<Result<MerchantListing>> ListAsync(Actor actor, int? limit, string? cursor, MerchantStatus? status, string? cacNumber, string? namePrefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role is not (Roles.Admin or Roles.Compliance))
        {
            return Error.Forbidden("Only staff list merchants.");
        }

        var size = limit ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return Invalid<MerchantListing>("limit", $"limit must be between 1 and {MaxPageSize}.");
        }

        if (cacNumber is not null && !AsciiDigits.Are(cacNumber, 6))
        {
            return Invalid<MerchantListing>("cac_number", "cac_number is exactly 6 digits.");
        }

        if (namePrefix is { Length: > 120 })
        {
            return Invalid<MerchantListing>("name_prefix", "name_prefix is at most 120 characters.");
        }

        var query = new MerchantListQuery(size, status, cacNumber, string.IsNullOrWhiteSpace(namePrefix) ? null : namePrefix.Trim());
        if (cursor is not null)
        {
            if (cursors.Decode(cursor, query) is not { } position)
            {
                return Invalid<MerchantListing>("cursor", "The cursor is not valid for this listing. Start again without a cursor.");
            }

            query = query with { After = position };
        }

        var page = await store.ListAsync(query, cancellationToken);
        // Staff reads of the merchant listing are on the record (PCI DSS 10.2.1.1), one event per page read.
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.MerchantsListed, AuditOutcome.Success, null,
            $"rows={page.Items.Count} status={status?.ToString() ?? "any"}{(cacNumber is null ? "" : " cac_number=" + cacNumber)}{(query.NamePrefix is null ? "" : " name_prefix")}"), cancellationToken);
        return Result<MerchantListing>.Ok(new MerchantListing(page.Items, page.Next is null ? null : cursors.Encode(page.Next, query with { After = null })));
    }

    public Task<IReadOnlyDictionary<MerchantStatus, long>> CountsAsync(CancellationToken cancellationToken = default) => store.CountByStatusAsync(cancellationToken);

    /// <summary>Timeline for the merchant itself or staff.</summary>
    public async Task<IReadOnlyList<MerchantHistoryEntry>> HistoryAsync(Actor actor, Guid id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var allowed = actor.Role is Roles.Admin or Roles.Compliance || (actor.IsMerchant && actor.MerchantId == id);
        return allowed ? await store.HistoryAsync(id, cancellationToken) : [];
    }

    public static KybForm ToForm(Merchant merchant)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        return new KybForm
        {
            BusinessName = merchant.BusinessName,
            CacNumber = merchant.CacNumber,
            BusinessType = merchant.BusinessType,
            RegisteredAddress = merchant.RegisteredAddress,
            Website = merchant.Website,
            Industry = merchant.Industry,
            ContactEmail = merchant.Pii.ContactEmail,
            ContactPhone = merchant.Pii.ContactPhone,
            Owners = merchant.Pii.Owners.Select(o => new OwnerForm { Name = o.Name, DateOfBirth = o.DateOfBirth.ToDateTime(TimeOnly.MinValue), Nationality = o.Nationality, OwnershipPercent = o.OwnershipPercent }).ToList(),
            AllSignificantOwnersListed = merchant.Pii.Owners.Count > 0,
            BankName = merchant.Pii.Bank?.BankName,
            AccountName = merchant.Pii.Bank?.AccountName,
            AccountNumber = merchant.Pii.Bank?.AccountNumber,
        };
    }

    public static string Describe(MerchantStatus status) => status switch
    {
        MerchantStatus.Draft => "a draft",
        MerchantStatus.Submitted => "submitted",
        MerchantStatus.InReview => "in review",
        MerchantStatus.MoreInformationRequested => "waiting for more information",
        MerchantStatus.Approved => "approved",
        MerchantStatus.Rejected => "rejected",
        _ => status.ToString(),
    };

    private async Task<Result<Merchant>> CreateAsync(Actor actor, Guid id, string name, string cac, BusinessType? type, string? address, string? website,
        string? industry, MerchantPii pii, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var record = new MerchantRecord(id, name, cac, type, address, website, industry, await vault.SealAsync(id, pii, cancellationToken),
            vault.EmailHash(pii.ContactEmail), MerchantStatus.Draft, null, now, now, 1);
        var outcome = await store.CreateAsync(record, History(actor, record, "created", null), cancellationToken);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.MerchantCreated, outcome == MerchantWriteOutcome.Done ? AuditOutcome.Success : AuditOutcome.Failure,
            new MerchantId(id).ToString(), outcome == MerchantWriteOutcome.Done ? AuditChange.Format(null, Snapshot(record), "created") : outcome.ToString()), cancellationToken);
        return outcome switch
        {
            // The details were sealed a moment ago from pii: answer with them rather than unwrap and decrypt them again.
            MerchantWriteOutcome.Done => Result<Merchant>.Ok(Open(record, pii)),
            MerchantWriteOutcome.DuplicateCac => DuplicateCac("A merchant with this CAC registration number is already registered.",
                new Dictionary<string, string[]> { ["cac_number"] = ["This CAC registration number is already registered."] }),
            MerchantWriteOutcome.DuplicateId => Error.Conflict("This account has already registered its merchant."),
            _ => Error.Conflict("The merchant could not be created; try again."),
        };
    }

    private async Task<Result<Merchant>> WriteAsync(Actor actor, MerchantRecord updated, long expectedVersion, string change, string? note, string action, CancellationToken cancellationToken,
        MerchantRecord? before = null)
    {
        var outcome = await store.UpdateAsync(updated, expectedVersion, History(actor, updated, change, note), cancellationToken);
        // A written change carries its before and after (no PII: the sealed contact and bank details stay out), for the explorer and the as-of report.
        await audit.AppendAsync(actor, new AuditEntry(action, outcome == MerchantWriteOutcome.Done ? AuditOutcome.Success : AuditOutcome.Failure,
            new MerchantId(updated.Id).ToString(), outcome == MerchantWriteOutcome.Done ? AuditChange.Format(before is null ? null : Snapshot(before), Snapshot(updated), change) : outcome.ToString()),
            cancellationToken);
        return outcome switch
        {
            MerchantWriteOutcome.Done => Result<Merchant>.Ok(await OpenAsync(updated, cancellationToken)),
            MerchantWriteOutcome.DuplicateCac => DuplicateCac("Another merchant already uses this CAC registration number.",
                new Dictionary<string, string[]> { ["cac_number"] = ["This CAC registration number is already registered."] }),
            MerchantWriteOutcome.VersionConflict => Error.Conflict("Someone else changed this merchant after you opened it. Reload to see their change."),
            _ => Error.NotFound("No such merchant."),
        };
    }

    private async Task<Merchant> OpenAsync(MerchantRecord r, CancellationToken cancellationToken)
    {
        // Decryption failure is loud (CryptographicException): tampered data is never shown as if it were fine.
        return Open(r, await vault.OpenAsync(r.Id, r.SealedPii, cancellationToken));
    }

    private static Merchant Open(MerchantRecord r, MerchantPii pii) =>
        new(r.Id, r.BusinessName, r.CacNumber, r.BusinessType, r.RegisteredAddress, r.Website, r.Industry, pii, r.Status, r.StatusNote, r.CreatedAt, r.UpdatedAt, r.Version,
            r.SubmittedAt, r.AssignedTo, r.Proposal);

    /// <summary>The audited fields of a merchant record: everything but the sealed PII.</summary>
    internal static Dictionary<string, string?> Snapshot(MerchantRecord r) => new(StringComparer.Ordinal)
    {
        ["business_name"] = r.BusinessName,
        ["cac_number"] = r.CacNumber,
        ["business_type"] = r.BusinessType?.ToString(),
        ["registered_address"] = r.RegisteredAddress,
        ["website"] = r.Website,
        ["industry"] = r.Industry,
        ["status"] = r.Status.ToString(),
        ["status_note"] = r.StatusNote,
        ["assigned_to"] = r.AssignedTo,
        ["proposal"] = r.Proposal is { } p ? $"{p.Decision} by {p.ProposedBy}" : null,
        ["version"] = r.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static MerchantHistoryEntry History(Actor actor, MerchantRecord record, string change, string? note) =>
        new(record.Id, record.UpdatedAt, actor.Name ?? actor.UserId ?? "system", actor.Role, change, record.Status, note);

    private static MerchantPii ToPii(KybForm form) => new(
        (form.ContactEmail ?? "").Trim().ToLowerInvariant(),
        MerchantRules.NormalizePhone(form.ContactPhone),
        form.Owners.Where(o => o.DateOfBirth is not null && o.Name is not null).Select(o => new BeneficialOwner(o.Name!.Trim(), DateOnly.FromDateTime(o.DateOfBirth!.Value),
            (o.Nationality ?? "").Trim(), o.OwnershipPercent ?? 0)).ToList(),
        string.IsNullOrWhiteSpace(form.AccountNumber) ? null : new SettlementAccount((form.BankName ?? "").Trim(), (form.AccountName ?? "").Trim(), form.AccountNumber.Trim()));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Result<T> Invalid<T>(string field, string message) => Error.Validation(message, field, message);

    private static Error DuplicateCac(string message, IReadOnlyDictionary<string, string[]> fields) =>
        new(ErrorKind.Conflict, message, fields, "CAC number already registered");

    private static string Api(string property) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(property);

    private static string Form(string property) => property;

    private static Dictionary<string, string[]> Errors(FluentValidation.Results.ValidationResult result, Func<string, string> name) => Errors(result.Errors, name);

    private static Dictionary<string, string[]> Errors(IEnumerable<FluentValidation.Results.ValidationFailure> failures, Func<string, string> name) =>
        failures.GroupBy(f => name(f.PropertyName)).ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray());
}
