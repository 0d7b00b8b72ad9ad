using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Payments;

namespace Portal.Core.Fraud.Review;

/// <summary>
/// Repairs the gap between holding a payment and writing its case: if the portal stops after the held payment is durable
/// but before <see cref="FraudCaseIntake"/> writes the case, no case exists and the payment would wait forever. Every
/// <see cref="FraudReviewOptions.RepairInterval"/> this reads the held payments through the payments' status index (newest
/// first, a page at a time, never a scan), and opens a case through <see cref="FraudCaseIntake"/> for each one older than
/// <see cref="FraudReviewOptions.RepairGrace"/> that has none (a point read by payment). Idempotent: one case per payment is
/// enforced by the case store, so two rounds (or two instances) open one case. Each repair is audited
/// (<see cref="AuditActions.FraudCaseRepaired"/>, besides the intake's <see cref="AuditActions.FraudCaseOpened"/>) and alerted.
/// </summary>
public sealed class HeldPaymentCaseRepair(IPaymentStore payments, IFraudCaseStore cases, FraudCaseIntake intake, AuditService audit,
    IOptionsMonitor<FraudReviewOptions> options, TimeProvider clock, ILogger<HeldPaymentCaseRepair> logger) : BackgroundService
{
    private const int PageSize = 200;

    private static readonly Actor System = new("system", "fraud case repair", "System", null, null);

    /// <summary>One round: returns how many cases it opened.</summary>
    public async Task<int> RepairOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.CurrentValue.RepairGrace;
        var maxRead = options.CurrentValue.MaxWorkingSet;
        var (opened, read) = (0, 0);
        PaymentKeyset? after = null;
        do
        {
            var page = await payments.ListAsync(new PaymentListQuery(Status: PaymentStatus.HeldForReview, Limit: PageSize, After: after), cancellationToken);
            foreach (var payment in page.Items)
            {
                read++;
                if (payment.Status != PaymentStatus.HeldForReview || payment.CreatedAt > cutoff
                    || await cases.GetByPaymentAsync(payment.Id, cancellationToken) is not null)
                {
                    continue;
                }

                var (caseId, created) = await intake.TryOpenAsync(payment, cancellationToken);
                if (!created)
                {
                    continue; // opened meanwhile by the intake or another instance
                }

                opened++;
                logger.LogWarning("Held payment {PaymentId} had no review case; opened {CaseId}", payment.DisplayId, new FraudCaseId(caseId));
                await audit.AppendAsync(System, new AuditEntry(AuditActions.FraudCaseRepaired, AuditOutcome.Success, new FraudCaseId(caseId).ToString(),
                    $"payment={payment.DisplayId} held_at={payment.CreatedAt:O}"), cancellationToken);
                intake.Alert(payment, caseId);
            }

            after = page.Next;
        }
        while (after is not null && read < maxRead);

        return opened;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RepairOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Held payment repair failed; trying again next round");
            }

            try
            {
                await Task.Delay(options.CurrentValue.RepairInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
