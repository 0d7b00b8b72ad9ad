namespace Portal.Core.Payments;

/// <summary>How a payment's state moves: shared by the use cases that change payments.</summary>
internal static class PaymentTransitions
{
    /// <summary>The processor's failure codes that say trying again may help (seed 001), whichever way the failure arrived.</summary>
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "rate_limit", "rate_limited", "lock_timeout", "processing_error", "api_connection_error", "processor_unavailable",
    };

    public static bool IsRetryable(string? failureCode) => failureCode is not null && RetryableCodes.Contains(failureCode);

    public static Payment Settled(Payment payment, ProcessorResult result, string processorName, DateTimeOffset now) => payment with
    {
        Status = result.Outcome == ProcessorOutcome.Succeeded ? PaymentStatus.Succeeded : PaymentStatus.Failed,
        FailureCode = result.Outcome == ProcessorOutcome.Succeeded ? null : result.FailureCode ?? "processor_declined",
        FailureMessage = result.Outcome == ProcessorOutcome.Succeeded ? null : result.Message,
        Retryable = result.Retryable,
        Processor = processorName,
        ProcessorReference = result.Reference,
        UpdatedAt = now,
        Version = payment.Version + 1,
    };

    public static Payment Refunded(Payment p, long refundedAmount, DateTimeOffset now) => p with
    {
        RefundedAmount = refundedAmount,
        Status = refundedAmount == 0 ? PaymentStatus.Succeeded : refundedAmount >= p.Amount ? PaymentStatus.Refunded : PaymentStatus.PartiallyRefunded,
        UpdatedAt = now,
        Version = p.Version + 1,
    };

    public static PaymentOutcomeCount CountOf(Payment p, DateTimeOffset now) => new(p.MerchantId, now, p.Status, p.FailureCode, p.Currency, p.Amount);

    /// <summary>A processor call that threw: certainly nothing happened if it never left; otherwise the outcome is unknown.</summary>
    public static ProcessorResult Unanswered(Exception ex) =>
        ProcessorResult.NeverSent(ex)
            ? new ProcessorResult(ProcessorOutcome.Error, null, "processor_unavailable", "The processor could not be reached. Try again.")
            : new ProcessorResult(ProcessorOutcome.Unknown, null, "processor_unconfirmed", "The processor did not confirm the outcome.");

    public static bool IsTransport(Exception ex) => ex is HttpRequestException or TimeoutException or TaskCanceledException or IOException;

    /// <summary>A same-key retry resumes the request once the key counts as abandoned (twice the concurrent-request wait).</summary>
    public static Error Unconfirmed(string detail, PaymentOptions options) =>
        new(ErrorKind.Unconfirmed, detail, Title: "Outcome not confirmed yet") { RetryAfter = options.ConcurrentRequestWait * 2 };
}
