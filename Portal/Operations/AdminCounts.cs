using Portal.Core;
using Portal.Core.Disputes;
using Portal.Core.Fraud.Review;
using Portal.Core.Kyc;
using Portal.Core.Merchants;
using Portal.Core.Webhooks;
using Portal.Operations.SelfCheck;

namespace Portal.Operations;

/// <summary>
/// The admin home's live counts. Each is one bounded read: a count by status, a queue page's total, or the first
/// <see cref="Cap"/> rows of a due-list (shown as "100+" beyond it), never a scan.
/// </summary>
/// <param name="KycWaiting">Cases submitted or in review.</param>
/// <param name="KycInBreach">Cases waiting longer than the SLA (up to <see cref="Cap"/>).</param>
/// <param name="FraudHolds">Payments held in the fraud review queue.</param>
/// <param name="DisputesDueSoon">Disputes needing a response whose evidence is due within 48 hours, overdue included (up to <see cref="Cap"/>).</param>
/// <param name="SelfCheckFailures">Failing items of the latest self-check run.</param>
/// <param name="WebhookEndpointsFailing">Endpoints with a delivery still pending after a failed attempt, among the first <see cref="Cap"/> pending deliveries.</param>
public sealed record AdminCountsView(long KycWaiting, int KycInBreach, int FraudHolds, int DisputesDueSoon, int WebhookEndpointsFailing, int SelfCheckFailures)
{
    public const int Cap = 100;
}

public sealed class AdminCounts(IMerchantStore merchants, KycCaseService cases, FraudReviewQueries fraud, IDisputeStore disputes, IWebhookStore webhooks,
    SelfCheckMonitor selfCheck, TimeProvider clock)
{
    /// <summary>Disputes whose evidence is due within this are counted as due soon.</summary>
    public static readonly TimeSpan DueSoon = TimeSpan.FromHours(48);

    /// <summary>The counts, or null for anyone but an admin.</summary>
    public async Task<AdminCountsView?> LoadAsync(Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role != Roles.Admin)
        {
            return null;
        }

        var byStatus = await merchants.CountByStatusAsync(cancellationToken);
        var waiting = byStatus.GetValueOrDefault(MerchantStatus.Submitted) + byStatus.GetValueOrDefault(MerchantStatus.InReview);
        var breached = (await cases.QueueAsync(actor, new KycQueueFilter(SlaBreachedOnly: true), AdminCountsView.Cap, null, cancellationToken))?.Items.Count ?? 0;
        var holds = (await fraud.QueueAsync(actor, new FraudQueueFilter(), 0, 1, cancellationToken)).Value?.Total ?? 0;
        var due = (await disputes.AwaitingResponseDueBeforeAsync(clock.GetUtcNow() + DueSoon, AdminCountsView.Cap, cancellationToken)).Count;
        var failing = (await webhooks.DueDeliveriesAsync(DateTimeOffset.MaxValue, AdminCountsView.Cap, cancellationToken))
            .Where(d => d.AttemptCount > 0).Select(d => d.EndpointId).Distinct().Count();
        return new AdminCountsView(waiting, breached, holds, due, failing, selfCheck.Failures.Count);
    }
}
