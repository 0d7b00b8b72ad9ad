using Portal.Core.ApiKeys;
using Portal.Core.Audit;
using Portal.Core.Disputes;
using Portal.Core.Kyc;
using Portal.Core.Payments;
using Portal.Core.Webhooks;

namespace Portal.Core.Merchants;

/// <summary>What a timeline entry is about; the record page filters on it.</summary>
public enum MerchantRecordKind
{
    Kyb,
    Document,
    Payment,
    Dispute,
    Webhook,
    ApiKey,
    Audit,
}

/// <summary>One line of the merchant's single timeline; <paramref name="Link"/> opens what it is about, when there is a page for it.</summary>
public sealed record MerchantRecordEntry(DateTimeOffset At, MerchantRecordKind Kind, string Title, string? Detail, string? Link);

/// <summary>The figures on top of the record.</summary>
/// <param name="KybStatus">Where the merchant's application stands.</param>
/// <param name="DisputeRatePercent">Disputes opened in the window per payment taken in it; null without payments.</param>
/// <param name="FraudBlockRatePercent">Payments blocked by fraud scoring per payment attempted in the window; null without payments.</param>
/// <param name="LastPaymentAt">When the newest payment was created; null before the first.</param>
/// <param name="Window">The window of both rates.</param>
public sealed record MerchantRiskSummary(MerchantStatus KybStatus, double? DisputeRatePercent, double? FraudBlockRatePercent, DateTimeOffset? LastPaymentAt, TimeSpan Window);

/// <summary>One day of the merchant's payments: how many, the succeeded amount per currency, and the success rate of those decided.</summary>
public sealed record MerchantPaymentDay(DateOnly Day, long Payments, long Succeeded, long Failed, long Blocked, IReadOnlyDictionary<string, long> SucceededAmount)
{
    public double? SuccessRatePercent => Succeeded + Failed + Blocked == 0 ? null : 100.0 * Succeeded / (Succeeded + Failed + Blocked);
}

/// <summary>An endpoint with the health of its recent deliveries.</summary>
public sealed record WebhookEndpointHealth(WebhookEndpoint Endpoint, int Deliveries, int Failed, DateTimeOffset? OldestPendingSince)
{
    public double? FailureRatePercent => Deliveries == 0 ? null : 100.0 * Failed / Deliveries;
}

/// <summary>Everything the portal knows about one merchant, for the record page (Admin; Compliance reads it too).</summary>
public sealed record MerchantRecordView(
    Merchant Merchant,
    MerchantRiskSummary Risk,
    IReadOnlyList<MerchantHistoryEntry> History,
    IReadOnlyList<KycDocumentVersion> Documents,
    IReadOnlyList<Payment> RecentPayments,
    IReadOnlyList<MerchantPaymentDay> PaymentDays,
    IReadOnlyList<Dispute> Disputes,
    IReadOnlyList<WebhookEndpointHealth> Webhooks,
    IReadOnlyList<ApiKey> ApiKeys,
    IReadOnlyList<AuditEvent> AuditEvents,
    IReadOnlyList<MerchantRecordEntry> Timeline)
{
    /// <summary>Payments held for fraud review or blocked by fraud scoring, among the recent ones.</summary>
    public IReadOnlyList<Payment> FraudHoldsAndBlocks => RecentPayments.Where(p => p.Status is PaymentStatus.HeldForReview or PaymentStatus.Blocked).ToList();
}

/// <summary>
/// Joins one merchant's records from the feature services and ports: each read is bounded (a page of the newest rows, or
/// the payment counters of the window), one query per section, never a scan and never one query per row.
/// </summary>
public sealed class MerchantRecordQueries(
    MerchantService merchants,
    KycDocumentService documents,
    PaymentQueries payments,
    IPaymentStore paymentStore,
    DisputeService disputes,
    IWebhookStore webhooks,
    IApiKeyStore apiKeys,
    AuditService audit,
    TimeProvider clock)
{
    /// <summary>The window of the risk figures and the charts.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    /// <summary>Rows read per section (the newest).</summary>
    public const int SectionRows = 100;

    /// <summary>The record, or null when the merchant is unknown or the actor is not staff (the merchant read itself is audited).</summary>
    public async Task<MerchantRecordView?> LoadAsync(Actor actor, Guid merchantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!Roles.IsStaff(actor.Role) || (await merchants.GetAsync(actor, merchantId, cancellationToken)).Value is not { } merchant)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var from = now - Window;
        var history = await merchants.HistoryAsync(actor, merchantId, cancellationToken);
        var versions = await documents.VersionsAsync(actor, merchantId, cancellationToken) ?? [];
        var recent = (await payments.ListAsync(actor, SectionRows, null, null, null, merchantId, cancellationToken)).Value?.Items ?? [];
        var stats = await paymentStore.StatsAsync(merchantId, from, now.AddMinutes(1), cancellationToken);
        var disputeList = (await disputes.ListAsync(actor, SectionRows, null, null, merchantId, cancellationToken)).Value?.Items ?? [];
        var endpoints = await webhooks.ListEndpointsAsync(merchantId, cancellationToken);
        var deliveries = (await webhooks.ListDeliveriesAsync(new WebhookDeliveryQuery(merchantId, Limit: SectionRows), cancellationToken)).Items;
        var keys = await apiKeys.ListAsync(merchantId, cancellationToken);
        var events = (await audit.QueryAsync(new AuditQuery(Limit: SectionRows, Target: new MerchantId(merchantId).ToString(), CountTotal: false), cancellationToken)).Events;

        var days = PaymentDays(stats);
        var risk = Risk(merchant.Status, stats, disputeList, recent, from);
        var health = endpoints.Select(e => Health(e, deliveries.Where(d => d.EndpointId == e.Id).ToList())).ToList();
        var timeline = Timeline(history, versions, recent, disputeList, endpoints, keys, events);
        return new MerchantRecordView(merchant, risk, history, versions, recent, days, disputeList, health, keys, events, timeline);
    }

    internal static IReadOnlyList<MerchantPaymentDay> PaymentDays(IReadOnlyList<PaymentStatsBucket> stats) =>
        stats.GroupBy(b => DateOnly.FromDateTime(b.Minute.UtcDateTime))
            .OrderBy(g => g.Key)
            .Select(g => new MerchantPaymentDay(g.Key, g.Sum(b => b.Count),
                g.Where(b => Succeeded(b.Status)).Sum(b => b.Count),
                g.Where(b => b.Status == PaymentStatus.Failed).Sum(b => b.Count),
                g.Where(b => b.Status == PaymentStatus.Blocked).Sum(b => b.Count),
                g.Where(b => Succeeded(b.Status)).GroupBy(b => b.Currency).ToDictionary(c => c.Key, c => c.Sum(b => b.Amount), StringComparer.Ordinal)))
            .ToList();

    internal static MerchantRiskSummary Risk(MerchantStatus kybStatus, IReadOnlyList<PaymentStatsBucket> stats, IReadOnlyList<Dispute> disputes, IReadOnlyList<Payment> recent, DateTimeOffset from)
    {
        var attempted = stats.Sum(b => b.Count);
        var taken = stats.Where(b => Succeeded(b.Status)).Sum(b => b.Count);
        var blocked = stats.Where(b => b.Status == PaymentStatus.Blocked).Sum(b => b.Count);
        var opened = disputes.Count(d => d.CreatedAt >= from);
        return new MerchantRiskSummary(kybStatus,
            taken == 0 ? null : 100.0 * opened / taken,
            attempted == 0 ? null : 100.0 * blocked / attempted,
            recent.Count == 0 ? null : recent.Max(p => p.CreatedAt),
            Window);
    }

    internal static WebhookEndpointHealth Health(WebhookEndpoint endpoint, IReadOnlyList<WebhookDelivery> deliveries) =>
        new(endpoint, deliveries.Count, deliveries.Count(d => d.Status == WebhookDeliveryStatus.Failed || d.Status == WebhookDeliveryStatus.Pending && d.AttemptCount > 0),
            deliveries.Where(d => d.Status == WebhookDeliveryStatus.Pending).Select(d => (DateTimeOffset?)d.CreatedAt).Min());

    private static bool Succeeded(PaymentStatus status) => status is PaymentStatus.Succeeded or PaymentStatus.PartiallyRefunded or PaymentStatus.Refunded;

    internal static IReadOnlyList<MerchantRecordEntry> Timeline(IReadOnlyList<MerchantHistoryEntry> history, IReadOnlyList<KycDocumentVersion> versions,
        IReadOnlyList<Payment> recent, IReadOnlyList<Dispute> disputes, IReadOnlyList<WebhookEndpoint> endpoints, IReadOnlyList<ApiKey> keys, IReadOnlyList<AuditEvent> events)
    {
        var merchantPage = history.Count == 0 ? null : $"/admin/kyc/{history[0].MerchantId:N}";
        var entries = new List<MerchantRecordEntry>();
        entries.AddRange(history.Select(h => new MerchantRecordEntry(h.At, MerchantRecordKind.Kyb, h.Change, $"{h.Actor}{(h.Note is null ? "" : ": " + h.Note)}", merchantPage)));
        entries.AddRange(versions.Select(v => new MerchantRecordEntry(v.UploadedAt, MerchantRecordKind.Document, $"{v.Type} uploaded ({v.State})", v.Reason, merchantPage)));
        entries.AddRange(recent.Select(p => new MerchantRecordEntry(p.CreatedAt, MerchantRecordKind.Payment,
            $"Payment {p.Currency.ToUpperInvariant()} {Currencies.FormatAmount(p.Amount, p.Currency)} {p.Status}", p.FailureCode, $"/admin/transactions/{p.DisplayId}")));
        entries.AddRange(disputes.Select(d => new MerchantRecordEntry(d.CreatedAt, MerchantRecordKind.Dispute, $"Dispute {d.DisplayId} opened: {d.Reason}", $"now {d.Status}", $"/admin/disputes/{d.DisplayId}")));
        entries.AddRange(endpoints.Select(e => new MerchantRecordEntry(e.CreatedAt, MerchantRecordKind.Webhook, $"Webhook endpoint {e.DisplayId} added", e.Url, null)));
        entries.AddRange(keys.Select(k => new MerchantRecordEntry(k.CreatedAt, MerchantRecordKind.ApiKey, $"API key {k.Prefix}… created", k.CreatedBy, null)));
        entries.AddRange(keys.Where(k => k.RevokedAt is not null).Select(k => new MerchantRecordEntry(k.RevokedAt!.Value, MerchantRecordKind.ApiKey, $"API key {k.Prefix}… revoked", null, null)));
        entries.AddRange(events.Select(e => new MerchantRecordEntry(e.OccurredAt, MerchantRecordKind.Audit, e.Action, $"{e.ActorName ?? e.ActorId ?? "system"} · {e.Outcome}", null)));
        return entries.OrderByDescending(e => e.At).ToList();
    }
}
