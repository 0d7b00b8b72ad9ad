using Portal.Core.Audit;

namespace Portal.Core.Fraud.Rules;

/// <summary>The rules screen: the live version, the draft (if any) and every published version, newest first.</summary>
public sealed record FraudRulesOverview(FraudRuleVersion Live, FraudRuleDraft? Draft, IReadOnlyList<FraudRuleVersion> Versions);

/// <summary>
/// Versioned fraud rules with four-eyes publishing. An admin edits the one draft (optimistic concurrency on its revision;
/// a stale save is a conflict naming who changed it); a different admin, who never edited it, publishes it as the next
/// version, which goes live at once. Published versions are never changed. Merchants and Compliance are refused.
/// Every change and every refusal is audited.
/// </summary>
public sealed class FraudRuleService(IFraudRuleStore store, FraudSnapshots snapshots, AuditService audit, TimeProvider clock)
{
    public FraudRuleParametersValidator Validator { get; } = new();

    public async Task<Result<FraudRulesOverview>> GetAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        if (await RefuseAsync(actor, "fraud_rules.read", cancellationToken) is { } refused)
        {
            return refused;
        }

        var versions = await store.VersionsAsync(cancellationToken);
        var live = versions.Count > 0 ? versions[0] : await snapshots.ReloadRulesAsync(cancellationToken);
        return new FraudRulesOverview(live, await store.GetDraftAsync(cancellationToken), versions.Count > 0 ? versions : [live]);
    }

    /// <summary>
    /// Saves the draft. <paramref name="expectedRevision"/> is the revision the editor loaded (0 when it started a new
    /// draft from the live version).
    /// </summary>
    public async Task<Result<FraudRuleDraft>> SaveDraftAsync(Actor actor, FraudRuleParameters parameters, string? note, long expectedRevision,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (await RefuseAsync(actor, AuditActions.FraudRuleDraftSaved, cancellationToken) is { } refused)
        {
            return refused;
        }

        var validation = await Validator.ValidateAsync(parameters, cancellationToken);
        if (note is { Length: > 500 })
        {
            validation.Errors.Add(new FluentValidation.Results.ValidationFailure("note", "note must be at most 500 characters."));
        }

        if (!Security.CardNumberRules.IsClean(note))
        {
            validation.Errors.Add(new FluentValidation.Results.ValidationFailure("note", Security.CardNumberRules.Message));
        }

        if (validation.Errors.Count > 0)
        {
            return Error.Validation("The draft has invalid fields",
                validation.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
        }

        var current = await store.GetDraftAsync(cancellationToken);
        if ((current?.Revision ?? 0) != expectedRevision)
        {
            return Stale(current);
        }

        var me = Editor(actor);
        var basedOn = current?.BasedOn ?? (await store.LatestAsync(cancellationToken))?.Version ?? 1;
        IReadOnlyList<FraudRuleEditor> editors = current is null ? [me] : [.. current.Editors.Where(e => e.UserId != me.UserId), me];
        var draft = new FraudRuleDraft(parameters, basedOn, editors, string.IsNullOrWhiteSpace(note) ? null : note.Trim(), clock.GetUtcNow(), expectedRevision + 1);
        if (!await store.SaveDraftAsync(draft, expectedRevision, cancellationToken))
        {
            return Stale(await store.GetDraftAsync(cancellationToken));
        }

        await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudRuleDraftSaved, AuditOutcome.Success, $"draft of v{basedOn + 1}", $"revision {draft.Revision}"),
            cancellationToken);
        return draft;
    }

    /// <summary>Publishes the draft at <paramref name="expectedRevision"/> as the next version. Anyone who edited it is refused.</summary>
    public async Task<Result<FraudRuleVersion>> PublishAsync(Actor actor, long expectedRevision, CancellationToken cancellationToken = default)
    {
        if (await RefuseAsync(actor, AuditActions.FraudRulePublished, cancellationToken) is { } refused)
        {
            return refused;
        }

        var draft = await store.GetDraftAsync(cancellationToken);
        if (draft is null)
        {
            return Error.Conflict("There is no draft to publish: it was published or discarded. Reload to see the live version.", "No draft");
        }

        if (draft.Revision != expectedRevision)
        {
            return Stale(draft);
        }

        if (draft.Editors.Any(e => e.UserId == actor.UserId))
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudRulePublished, AuditOutcome.Denied, $"draft revision {draft.Revision}",
                "four eyes: the publisher edited this draft"), cancellationToken);
            return new Error(ErrorKind.Forbidden, "You edited this draft, so another admin must publish it (four eyes).", Title: "Another admin must publish");
        }

        var latest = await store.LatestAsync(cancellationToken);
        var version = new FraudRuleVersion((latest?.Version ?? 0) + 1, draft.Parameters, draft.Editors, actor.UserId, Editor(actor).Name, clock.GetUtcNow(), draft.Note);
        if (!await store.PublishAsync(version, draft.Revision, cancellationToken))
        {
            return Error.Conflict("The draft or the live version changed while you published. Reload and check the draft again.", "Changed by someone else");
        }

        await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudRulePublished, AuditOutcome.Success, $"v{version.Version}",
            $"authors {string.Join(", ", version.Authors.Select(a => a.Name))}"), cancellationToken);
        await snapshots.ReloadRulesAsync(cancellationToken);
        return version;
    }

    public async Task<Result> DiscardDraftAsync(Actor actor, long expectedRevision, CancellationToken cancellationToken = default)
    {
        if (await RefuseAsync(actor, AuditActions.FraudRuleDraftDiscarded, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (!await store.DiscardDraftAsync(expectedRevision, cancellationToken))
        {
            return Stale(await store.GetDraftAsync(cancellationToken));
        }

        await audit.AppendAsync(actor, new AuditEntry(AuditActions.FraudRuleDraftDiscarded, AuditOutcome.Success, $"draft revision {expectedRevision}"), cancellationToken);
        return Result.Ok;
    }

    private static Error Stale(FraudRuleDraft? current) => current is null
        ? Error.Conflict("The draft was published or discarded since you loaded it. Reload to see the live version.", "Changed by someone else")
        : Error.Conflict($"The draft was changed by {current.LastEditor.Name} at {current.UpdatedAt:u}. Reload to see their change.", "Changed by someone else");

    private static FraudRuleEditor Editor(Actor actor) => new(actor.UserId ?? "unknown", actor.Name ?? actor.UserId ?? "unknown");

    private async Task<Error?> RefuseAsync(Actor actor, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role == Roles.Admin && actor.UserId is not null)
        {
            return null;
        }

        await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Denied, null, $"role {actor.Role ?? "none"}"), cancellationToken);
        return Error.Forbidden("Only admins manage the fraud rules.");
    }
}
