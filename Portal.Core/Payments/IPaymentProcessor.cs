namespace Portal.Core.Payments;

/// <summary>
/// The payment processor port: the sandbox (test tokens, no network) or Stripe (PaymentIntents). Calls carry the
/// portal's idempotency key so a retried call never charges twice.
/// </summary>
public interface IPaymentProcessor
{
    /// <summary>Short name stored with each payment (<c>sandbox</c>, <c>stripe</c>).</summary>
    string Name { get; }

    /// <summary>
    /// False for a simulated processor (the sandbox): calling it twice has no effect anywhere, so the portal may call it
    /// before recording the payment and record everything in one write. A real processor is called only after the payment
    /// is recorded as pending under its idempotency key.
    /// </summary>
    bool MovesMoney => true;

    Task<ProcessorResult> ChargeAsync(ProcessorCharge charge, CancellationToken cancellationToken);

    Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken);
}

public sealed record ProcessorCharge(Guid PaymentId, Guid MerchantId, long Amount, string Currency, string CustomerId, string PaymentMethod, string IdempotencyKey)
{
    /// <summary>The trace of the work that charges (the API request, or the admin releasing a held payment); sent in the processor's metadata.</summary>
    public string? TraceId { get; init; } = Diagnostics.TraceIds.Current;
}

public sealed record ProcessorRefund(Guid RefundId, Guid PaymentId, string PaymentReference, long Amount, string Currency, string IdempotencyKey)
{
    /// <summary>The trace of the refund request; sent in the processor's metadata.</summary>
    public string? TraceId { get; init; } = Diagnostics.TraceIds.Current;
}

public enum ProcessorOutcome
{
    Succeeded,

    /// <summary>Declined for good (e.g. <c>insufficient_funds</c>): retrying the same payment will not help.</summary>
    Declined,

    /// <summary>A transient error that certainly moved no money (e.g. <c>processing_error</c>, a refused connection): the client may retry with a new key.</summary>
    Error,

    /// <summary>
    /// The processor may or may not have acted (a timeout, a dropped connection, a 5xx, a payment still processing). The
    /// portal keeps the payment pending under its key: the processor's webhook settles it, and a retry with the same
    /// Idempotency-Key asks the processor again under the same processor idempotency key, so nothing is charged twice.
    /// </summary>
    Unknown,
}

/// <summary>
/// The processor's answer. <see cref="DisputeExpected"/> is the sandbox's way to say a dispute will follow (its
/// <c>pm_card_createDispute</c> token); real processors report disputes through their webhooks instead.
/// </summary>
public sealed record ProcessorResult(ProcessorOutcome Outcome, string? Reference, string? FailureCode = null, string? Message = null, bool DisputeExpected = false)
{
    public bool Retryable => Outcome == ProcessorOutcome.Error;

    /// <summary>
    /// A processor call that threw before it could reach the processor (no connection, no DNS answer): certainly nothing
    /// happened there (<see cref="ProcessorOutcome.Error"/>). Any other failure may have happened after the processor acted
    /// (<see cref="ProcessorOutcome.Unknown"/>).
    /// </summary>
    public static bool NeverSent(Exception exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };
}
