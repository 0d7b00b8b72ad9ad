namespace Portal.Core.Payments;

/// <summary>
/// The default processor: no network, answers by test token like Stripe's test mode. Any other token succeeds.
/// </summary>
public sealed class SandboxProcessor : IPaymentProcessor
{
    public const string Success = "pm_card_visa";
    public const string InsufficientFunds = "pm_card_visa_chargeDeclinedInsufficientFunds";
    public const string ProcessingError = "pm_card_chargeDeclinedProcessingError";
    public const string Disputed = "pm_card_createDispute";

    public static readonly IReadOnlyList<string> TestTokens = [Success, InsufficientFunds, ProcessingError, Disputed];

    public string Name => "sandbox";

    public bool MovesMoney => false;

    public Task<ProcessorResult> ChargeAsync(ProcessorCharge charge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(charge);
        var reference = "sbx_" + charge.PaymentId.ToString("N");
        return Task.FromResult(charge.PaymentMethod switch
        {
            InsufficientFunds => new ProcessorResult(ProcessorOutcome.Declined, reference, "insufficient_funds", "The card has insufficient funds."),
            ProcessingError => new ProcessorResult(ProcessorOutcome.Error, reference, "processing_error", "The processor could not complete the payment. Try again."),
            Disputed => new ProcessorResult(ProcessorOutcome.Succeeded, reference, DisputeExpected: true),
            _ => new ProcessorResult(ProcessorOutcome.Succeeded, reference),
        });
    }

    public Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refund);
        return Task.FromResult(new ProcessorResult(ProcessorOutcome.Succeeded, "sbx_re_" + refund.RefundId.ToString("N")));
    }
}
