using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Payments;

namespace Portal.Core.Fraud.Review;

/// <summary>
/// Called by <see cref="InitiatePayment"/> once a payment that fraud scoring held or blocked is durable: a held payment gets
/// its review case (due after <see cref="FraudReviewOptions.Sla"/>), and both raise an alert. The payment's answer never
/// depends on this: a failure here is logged, not returned (the payment is already recorded as held).
/// </summary>
public sealed class FraudCaseIntake(IFraudCaseStore store, FraudAlertHub alerts, AuditService audit, IOptions<FraudReviewOptions> options, TimeProvider clock,
    ILogger<FraudCaseIntake> logger)
{
    public async Task ScreenedAsync(Payment payment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payment);
        if (payment.Status is not (PaymentStatus.HeldForReview or PaymentStatus.Blocked))
        {
            return;
        }

        Guid? caseId = null;
        if (payment.Status == PaymentStatus.HeldForReview)
        {
            try
            {
                caseId = await OpenAsync(payment, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "No review case could be opened for held payment {PaymentId}", payment.DisplayId);
            }
        }

        alerts.Publish(new FraudAlert(payment.Id, caseId, payment.MerchantId, payment.Amount, payment.Currency, payment.FraudScore, payment.Status, payment.CreatedAt));
    }

    /// <summary>Opens the case of a held payment, or finds the one it has.</summary>
    public async Task<Guid> OpenAsync(Payment payment, CancellationToken cancellationToken = default) => (await TryOpenAsync(payment, cancellationToken)).CaseId;

    /// <summary>
    /// Opens the case of a held payment (audited as <see cref="AuditActions.FraudCaseOpened"/>), or finds the one it has:
    /// <c>Opened</c> is false then, and nothing is written (one case per payment is enforced by the store).
    /// </summary>
    public async Task<(Guid CaseId, bool Opened)> TryOpenAsync(Payment payment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var now = clock.GetUtcNow();
        var fraudCase = new FraudCase(Guid.CreateVersion7(now), payment.Id, payment.MerchantId, payment.Amount, payment.Currency, payment.CustomerId,
            payment.FraudScore, payment.FraudFactors, FraudCaseStatus.Open, null, null, [], now, now + options.Value.Sla, now, null, 1);
        if (await store.CreateAsync(fraudCase, cancellationToken) == FraudCaseWriteOutcome.Duplicate)
        {
            return ((await store.GetByPaymentAsync(payment.Id, cancellationToken))?.Id ?? fraudCase.Id, false);
        }

        await audit.AppendAsync(Actor.System, new AuditEntry(AuditActions.FraudCaseOpened, AuditOutcome.Success, fraudCase.DisplayId,
            $"payment={payment.DisplayId} score={payment.FraudScore}"), cancellationToken);
        return (fraudCase.Id, true);
    }

    /// <summary>Raises the alert of a held payment whose case was opened late (by <see cref="HeldPaymentCaseRepair"/>).</summary>
    internal void Alert(Payment payment, Guid caseId) =>
        alerts.Publish(new FraudAlert(payment.Id, caseId, payment.MerchantId, payment.Amount, payment.Currency, payment.FraudScore, payment.Status, payment.CreatedAt));
}
