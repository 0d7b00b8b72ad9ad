using Microsoft.Extensions.Options;
using Portal.Core.Merchants;
using Portal.Core.Notifications;

namespace Portal.Core.Kyc;

/// <summary>How long a case has waited against the SLA (<see cref="KycOptions.SlaWarningHours"/>, <see cref="KycOptions.SlaBreachHours"/>).</summary>
public enum SlaLevel
{
    OnTime,
    Warning,
    Breached,
}

/// <summary>Queue filters as the reviewer picks them.</summary>
public sealed record KycQueueFilter(MerchantStatus? Status = null, QueueAssignee Assignee = QueueAssignee.Anyone, bool SlaBreachedOnly = false);

/// <summary>Everything the case page shows: the merchant, its documents and their history, and whether it may be approved.</summary>
public sealed record KycCase(
    Merchant Merchant,
    IReadOnlyList<DocumentRequirement> Requirements,
    IReadOnlyList<KycDocumentVersion> Versions,
    IReadOnlyList<MerchantHistoryEntry> History,
    KybRisk Risk = KybRisk.Low,
    bool FourEyes = false)
{
    /// <summary>Why approval is not possible yet, or null when every required document is accepted.</summary>
    public string? ApprovalBlockedBecause => Requirements.Where(r => r.State != DocumentState.Accepted).ToList() is { Count: > 0 } open
        ? $"Accept every required document first ({open.Count} of {Requirements.Count} not accepted yet)."
        : null;
}

/// <summary>
/// The admin's side of KYC: the review queue (oldest submission first, SLA ages), a case with its documents, and the
/// decisions on it. Decisions reuse <see cref="MerchantService.ReviewAsync"/> (optimistic concurrency, history, audit) and
/// tell the merchant by email; approval needs every required document accepted.
/// </summary>
public sealed class KycCaseService(MerchantService merchants, KycDocumentService documents, IMerchantStore store, IEmailOutbox email,
    IOptions<KycOptions> options, TimeProvider clock)
{
    public const int MaxPageSize = 100;

    public SlaLevel Sla(DateTimeOffset submittedAt)
    {
        var age = clock.GetUtcNow() - submittedAt;
        return age >= TimeSpan.FromHours(options.Value.SlaBreachHours) ? SlaLevel.Breached
            : age >= TimeSpan.FromHours(options.Value.SlaWarningHours) ? SlaLevel.Warning
            : SlaLevel.OnTime;
    }

    public TimeSpan Age(DateTimeOffset submittedAt) => clock.GetUtcNow() - submittedAt;

    public int SlaWarningHours => options.Value.SlaWarningHours;

    public int SlaBreachHours => options.Value.SlaBreachHours;

    /// <summary>
    /// Submits the merchant's own application once every required document is uploaded: a missing or rejected one keeps
    /// it where it is, with a message naming what is outstanding (field <c>documents</c>).
    /// </summary>
    public async Task<Result<Merchant>> SubmitAsync(Actor actor, KybForm form, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.IsMerchant && await documents.RequirementsAsync(actor, actor.MerchantId!.Value, cancellationToken) is { } requirements)
        {
            var outstanding = requirements.Where(r => r.State is DocumentState.Missing or DocumentState.Rejected).Select(r => DocumentTypeNames.Describe(r.Type)).ToList();
            if (outstanding.Count > 0)
            {
                var message = "Upload every required document before submitting. Still needed: " + string.Join(", ", outstanding) + ".";
                return Error.Validation(message, "documents", message);
            }
        }

        return await merchants.SubmitAsync(actor, form, expectedVersion, cancellationToken);
    }

    /// <summary>One page of the queue for an admin; null for anyone else. The keyset stays on the server (the circuit), never with the client.</summary>
    public async Task<MerchantPage?> QueueAsync(Actor actor, KycQueueFilter filter, int limit, MerchantKeyset? after, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        if (actor.Role != Roles.Admin)
        {
            return null;
        }

        var query = new MerchantQueueQuery(Math.Clamp(limit, 1, MaxPageSize), filter.Status, filter.Assignee,
            filter.Assignee == QueueAssignee.Assigned ? MerchantService.ReviewerName(actor) : null,
            filter.SlaBreachedOnly ? clock.GetUtcNow().AddHours(-options.Value.SlaBreachHours) : null, after);
        return await store.QueueAsync(query, cancellationToken);
    }

    /// <summary>The case for the case page (the merchant read is audited by <see cref="MerchantService.GetAsync"/>); null when unknown or not an admin.</summary>
    public async Task<KycCase?> LoadAsync(Actor actor, Guid merchantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != Roles.Admin || (await merchants.GetAsync(actor, merchantId, cancellationToken)).Value is not { } merchant)
        {
            return null;
        }

        var requirements = await documents.RequirementsAsync(actor, merchantId, cancellationToken) ?? [];
        var versions = await documents.VersionsAsync(actor, merchantId, cancellationToken) ?? [];
        var risk = KybRiskRules.Assess(merchant, options.Value);
        return new KycCase(merchant, requirements, versions, await merchants.HistoryAsync(actor, merchantId, cancellationToken), risk,
            KybRiskRules.NeedsSecondAdmin(ReviewDecision.Approve, risk, options.Value));
    }

    /// <summary>
    /// Approve, reject or request more information, at the version the admin saw. Approval is refused until every required
    /// document is accepted. On success the merchant is emailed (the message or reason included).
    /// </summary>
    public async Task<Result<Merchant>> DecideAsync(Actor actor, Guid merchantId, ReviewDecision decision, string? note, long expectedVersion,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (decision == ReviewDecision.Approve && await ApprovalBlockedAsync(actor, merchantId, cancellationToken) is { } blocked)
        {
            return blocked;
        }

        // Four-eyes by risk level: the decision becomes a proposal that a second admin confirms (ConfirmAsync) or sends back.
        if (await store.GetAsync(merchantId, cancellationToken) is { } record
            && KybRiskRules.NeedsSecondAdmin(decision, KybRiskRules.Assess(record.Industry, record.BusinessType, record.Website, options.Value), options.Value))
        {
            return ForCases(await merchants.ProposeAsync(actor, merchantId, decision, note, expectedVersion, cancellationToken));
        }

        var result = await merchants.ReviewAsync(actor, merchantId, decision, note, expectedVersion, cancellationToken);
        await TellMerchantAsync(result, decision, cancellationToken);
        return ForCases(result);
    }

    /// <summary>A second admin confirms the pending proposal: it applies as the decision, and the merchant is emailed as for any decision.</summary>
    public async Task<Result<Merchant>> ConfirmAsync(Actor actor, Guid merchantId, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var proposed = (await store.GetAsync(merchantId, cancellationToken))?.Proposal?.Decision;
        if (proposed == ReviewDecision.Approve && await ApprovalBlockedAsync(actor, merchantId, cancellationToken) is { } blocked)
        {
            return blocked;
        }

        var result = await merchants.ConfirmProposalAsync(actor, merchantId, expectedVersion, cancellationToken);
        if (proposed is { } decision)
        {
            await TellMerchantAsync(result, decision, cancellationToken);
        }

        return ForCases(result);
    }

    /// <summary>A second admin sends the pending proposal back with a note; nothing changes for the merchant, so nobody is emailed.</summary>
    public async Task<Result<Merchant>> SendBackAsync(Actor actor, Guid merchantId, string? note, long expectedVersion, CancellationToken cancellationToken = default) =>
        ForCases(await merchants.SendBackProposalAsync(actor, merchantId, note, expectedVersion, cancellationToken));

    /// <summary>Approval needs every required document accepted (checked again on confirmation: one may have been rejected since).</summary>
    private async Task<Error?> ApprovalBlockedAsync(Actor actor, Guid merchantId, CancellationToken cancellationToken)
    {
        if (actor.Role != Roles.Admin)
        {
            return null;
        }

        var requirements = await documents.RequirementsAsync(actor, merchantId, cancellationToken);
        return requirements is not null && requirements.Any(r => r.State != DocumentState.Accepted)
            ? Error.Validation("Accept every required document before approving.", new Dictionary<string, string[]>())
            : null;
    }

    private async Task TellMerchantAsync(Result<Merchant> result, ReviewDecision decision, CancellationToken cancellationToken)
    {
        if (result.Value is { } merchant && !string.IsNullOrEmpty(merchant.Pii.ContactEmail) && Email(merchant, decision) is { } message)
        {
            await email.SendAsync(merchant.Pii.ContactEmail, message.Subject, message.Body, null, cancellationToken);
        }
    }

    // The case page speaks of cases: the store's stale-version conflict reads "Someone else changed this case…".
    private static Result<Merchant> ForCases(Result<Merchant> result) => result.Error is { Kind: ErrorKind.Conflict, Detail: { } text } conflict
        ? conflict with { Detail = text.Replace("this merchant", "this case", StringComparison.Ordinal) }
        : result;

    private static (string Subject, string Body)? Email(Merchant merchant, ReviewDecision decision) => decision switch
    {
        ReviewDecision.RequestInformation => ($"{merchant.BusinessName}: more information needed for your application",
            $"Our reviewer needs more information before deciding on the application for {merchant.BusinessName}:\n\n{merchant.StatusNote}\n\n"
            + "Sign in to Merchant Portal to see the message, replace any rejected documents and submit the application again."),
        ReviewDecision.Approve => ($"{merchant.BusinessName}: your application is approved",
            $"Good news: the application for {merchant.BusinessName} is approved. Sign in to Merchant Portal to start taking payments."),
        ReviewDecision.Reject => ($"{merchant.BusinessName}: your application was not approved",
            $"We could not approve the application for {merchant.BusinessName}.\n\nReason: {merchant.StatusNote}"),
        ReviewDecision.StartReview => null,
        _ => null,
    };
}
