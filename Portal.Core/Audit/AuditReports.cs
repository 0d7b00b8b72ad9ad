using Microsoft.Extensions.Options;
using Portal.Core.Kyc;
using Portal.Core.Merchants;

namespace Portal.Core.Audit;

/// <summary>One row of the Requirement 10 coverage report: an event type, the PCI DSS 10.2.1.x item it evidences, and its count in the period.</summary>
public sealed record CoverageRow(string Action, string Area, string Requirement, long Count);

/// <summary>A decision (KYC, fraud review, dispute) as the audit log records it, with how long the case waited where that is known.</summary>
public sealed record DecisionRow(DateTimeOffset DecidedAt, string? DecidedBy, string? Role, string Action, string? Target, AuditOutcome Outcome, string? Detail,
    DateTimeOffset? WaitingSince, TimeSpan? Waited, string Sla);

/// <summary>A merchant record as it stood at a moment, rebuilt from its history and the before/after of its audit events.</summary>
public sealed record MerchantAsOf(string MerchantId, DateTimeOffset At, MerchantStatus? Status, string? StatusNote, string? ChangedBy, DateTimeOffset? ChangedAt,
    IReadOnlyDictionary<string, string?> Fields, IReadOnlyList<MerchantHistoryEntry> History);

/// <summary>The compliance reports computed from the audit log (each also exportable as CSV by the page).</summary>
public sealed class AuditReports(AuditService audit, IMerchantStore merchants, IOptions<KycOptions> kyc)
{
    /// <summary>Decision actions of the KYC report.</summary>
    public static readonly string[] KycDecisionActions =
        [AuditActions.MerchantApproved, AuditActions.MerchantRejected, AuditActions.MerchantInformationRequested, AuditActions.KycDocumentAccepted, AuditActions.KycDocumentRejected];

    /// <summary>The PCI DSS v4 Requirement 10.2.1 item an event type evidences.</summary>
    public static string RequirementOf(string action) => action switch
    {
        AuditActions.AuditRead or AuditActions.AuditVerified or AuditActions.AuditVerifyFailed or AuditActions.AuditExported or AuditActions.AuditArchived => "10.2.1.3 access to audit logs",
        AuditActions.AuditStarted or AuditActions.AuditStopped => "10.2.1.6 audit log start and stop",
        AuditActions.AuthFailed or AuditActions.AccessDenied or AuditActions.NotFoundForeign or AuditActions.LockedOut => "10.2.1.4 invalid access attempts",
        AuditActions.SignIn or AuditActions.SignOut or AuditActions.TokenIssued or AuditActions.SignUp or AuditActions.EmailConfirmed or AuditActions.PasswordReset
            or AuditActions.MfaEnrolled or AuditActions.MfaChallenge or AuditActions.SecuritySettingChanged => "10.2.1.5 identification and authentication changes",
        AuditActions.ApiKeyCreated or AuditActions.ApiKeyRevoked or AuditActions.WebhookEndpointCreated or AuditActions.WebhookEndpointDeleted
            or AuditActions.WebhookSecretRolled => "10.2.1.7 creation and deletion of system-level objects",
        AuditActions.PaymentViewed or AuditActions.PaymentsListed or AuditActions.MerchantViewed or AuditActions.MerchantsListed
            or AuditActions.MerchantBankAccountRevealed or AuditActions.KycDocumentViewed or AuditActions.KycDocumentsListed => "10.2.1.1 access to cardholder and sensitive data",
        _ when action.StartsWith("user.", StringComparison.Ordinal) || action.StartsWith("merchant.", StringComparison.Ordinal)
            || action.StartsWith("kyc.", StringComparison.Ordinal) || action.StartsWith("fraud", StringComparison.Ordinal)
            || action.StartsWith("dispute.", StringComparison.Ordinal) || action.StartsWith("payment.", StringComparison.Ordinal)
            || action.StartsWith("webhook.", StringComparison.Ordinal) || action.StartsWith("report.", StringComparison.Ordinal) => "10.2.1.2 actions by staff and users",
        _ => "10.2.1 other",
    };

    /// <summary>Every known event type with its count in [from, to); types logged but not (yet) in <see cref="AuditActions"/> are listed too.</summary>
    public async Task<IReadOnlyList<CoverageRow>> CoverageAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var counts = await audit.CountByActionAsync(from, to, cancellationToken);
        return AuditActions.All.Union(counts.Keys, StringComparer.Ordinal)
            .Select(a => new CoverageRow(a, AuditActions.AreaOf(a), RequirementOf(a), counts.GetValueOrDefault(a)))
            .OrderBy(r => r.Requirement, StringComparer.Ordinal).ThenBy(r => r.Action, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>KYC decisions in the period, each with how long its case had waited since submission against the SLA.</summary>
    public async Task<IReadOnlyList<DecisionRow>> KycDecisionsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var rows = new List<DecisionRow>();
        var submittedCache = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
        await foreach (var e in audit.ReadAllAsync(new AuditQuery(From: from, To: to, Outcome: AuditOutcome.Success), cancellationToken: cancellationToken))
        {
            if (!KycDecisionActions.Contains(e.Action, StringComparer.Ordinal))
            {
                continue;
            }

            var merchant = e.Target is { } t ? t.Split('/')[0] : null;
            DateTimeOffset? since = null;
            if (merchant is not null && !submittedCache.TryGetValue(merchant + "@" + e.Sequence, out since))
            {
                var submitted = await audit.QueryAsync(new AuditQuery(Limit: 1, BeforeSequence: e.Sequence, Action: AuditActions.MerchantSubmitted, Target: merchant,
                    Outcome: AuditOutcome.Success, CountTotal: false), cancellationToken);
                since = submitted.Events.Count > 0 ? submitted.Events[0].OccurredAt : null;
                submittedCache[merchant + "@" + e.Sequence] = since;
            }

            var waited = since is { } s ? e.OccurredAt - s : (TimeSpan?)null;
            rows.Add(new DecisionRow(e.OccurredAt, e.ActorName ?? e.ActorId, e.ActorRole, e.Action, e.Target, e.Outcome, e.Detail, since, waited, SlaOf(waited)));
        }

        rows.Reverse(); // newest first
        return rows;
    }

    /// <summary>Decisions of a feature by action prefix (<c>fraud_case.</c>, <c>dispute.</c>): the slot the fraud review and dispute features fill with their events.</summary>
    public async Task<IReadOnlyList<DecisionRow>> DecisionsAsync(string area, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var rows = new List<DecisionRow>();
        await foreach (var e in audit.ReadAllAsync(new AuditQuery(ActionPrefix: area.TrimEnd('.') + ".", From: from, To: to), cancellationToken: cancellationToken))
        {
            rows.Add(new DecisionRow(e.OccurredAt, e.ActorName ?? e.ActorId, e.ActorRole, e.Action, e.Target, e.Outcome, e.Detail, null, null, "n/a"));
            if (rows.Count >= 10_000)
            {
                break;
            }
        }

        rows.Reverse();
        return rows;
    }

    /// <summary>The merchant record at <paramref name="at"/>: status from the record's history, other fields from the latest audited "after" at or before it.</summary>
    public async Task<MerchantAsOf?> MerchantAsOfAsync(MerchantId id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (await merchants.GetAsync(id.Value, cancellationToken) is null)
        {
            return null;
        }

        var history = (await merchants.HistoryAsync(id.Value, cancellationToken)).Where(h => h.At <= at).OrderBy(h => h.At).ToList();
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var e in audit.ReadAllAsync(new AuditQuery(Target: id.ToString(), To: at.AddTicks(1)), cancellationToken: cancellationToken))
        {
            if (e.Outcome == AuditOutcome.Success && AuditChange.Parse(e.Detail) is { } change)
            {
                foreach (var (k, v) in change.After)
                {
                    fields[k] = v;
                }
            }
        }

        var last = history.LastOrDefault();
        return new MerchantAsOf(id.ToString(), at, last?.Status, last?.Note, last?.Actor, last?.At, fields, history);
    }

    private string SlaOf(TimeSpan? waited)
    {
        if (waited is not { } w)
        {
            return "unknown";
        }

        var o = kyc.Value;
        return w >= TimeSpan.FromHours(o.SlaBreachHours) ? "breached" : w >= TimeSpan.FromHours(o.SlaWarningHours) ? "warning" : "on time";
    }
}
