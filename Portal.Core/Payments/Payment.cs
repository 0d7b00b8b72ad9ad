namespace Portal.Core.Payments;

/// <summary>Where a payment stands. Names go on the wire in snake_case (<c>held_for_review</c>).</summary>
public enum PaymentStatus
{
    /// <summary>Recorded, the processor not yet answered (or the portal stopped before it did).</summary>
    Pending,
    Succeeded,

    /// <summary>The processor declined or failed it; <see cref="Payment.Retryable"/> says whether trying again may help.</summary>
    Failed,

    /// <summary>Fraud score above the block threshold: declined with <c>fraud_blocked</c>, the processor never called.</summary>
    Blocked,

    /// <summary>Fraud score in the review band: waits for an admin in the fraud queue, the processor not yet called.</summary>
    HeldForReview,
    PartiallyRefunded,
    Refunded,
    Disputed,
}

/// <summary>One rule that contributed to a fraud score.</summary>
public sealed record FraudFactor(string Rule, int Weight, string Detail);

/// <summary>
/// A payment. Money is integer minor units plus a lower-case ISO 4217 code. <see cref="PaymentMethod"/> is a token
/// (never card data). <see cref="Version"/> increases with every change (optimistic concurrency).
/// </summary>
public sealed record Payment(
    Guid Id,
    Guid MerchantId,
    long Amount,
    string Currency,
    string CustomerId,
    string PaymentMethod,
    string? OrderId,
    string? DeviceId,
    string? IpAddress,
    string? Country,
    IReadOnlyDictionary<string, string> Metadata,
    PaymentStatus Status,
    string? FailureCode,
    string? FailureMessage,
    bool Retryable,
    int FraudScore,
    IReadOnlyList<FraudFactor> FraudFactors,
    string? Processor,
    string? ProcessorReference,
    long RefundedAmount,
    string IdempotencyKey,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    public string DisplayId => new PaymentId(Id).ToString();

    /// <summary>The published fraud rule version that scored this payment (null for payments scored before rules were versioned).</summary>
    public int? RuleVersion { get; init; }

    public long RefundableAmount => Status is PaymentStatus.Succeeded or PaymentStatus.PartiallyRefunded ? Amount - RefundedAmount : 0;
}

/// <summary>A refund of part or all of a payment.</summary>
public sealed record Refund(Guid Id, Guid PaymentId, Guid MerchantId, long Amount, string Currency, string? Reason, string? ProcessorReference, DateTimeOffset CreatedAt)
{
    public string DisplayId => new RefundId(Id).ToString();
}

/// <summary>What a request under an idempotency key came to. Stored as its number; 0 while the first request is still being processed.</summary>
public enum IdempotentOutcome
{
    Pending = 0,

    /// <summary>A payment was created; the snapshot is the payment as first answered.</summary>
    PaymentCreated = 1,

    /// <summary>A refund was made; the snapshot is the refund with its payment as first answered.</summary>
    RefundCreated = 2,

    /// <summary>The processor refused the refund; the snapshot is its message.</summary>
    RefundDeclined = 3,
}

/// <summary>
/// What a request under an idempotency key came to, kept 24 hours (<see cref="ExpiresAt"/>) so a replay gets the same
/// answer: the <see cref="Outcome"/> and a <see cref="Snapshot"/> of the result as first answered (domain JSON written by
/// <see cref="PaymentIdempotency"/>; the API renders it the same way both times). <see cref="RequestHash"/> tells a replay
/// from a different request under the same key. While <see cref="Outcome"/> is pending the first request is still being processed.
/// </summary>
public sealed record IdempotencyRecord(
    Guid MerchantId,
    string Key,
    string Scope,
    string RequestHash,
    Guid ResourceId,
    IdempotentOutcome Outcome,
    string? Snapshot,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    public bool Completed => Outcome != IdempotentOutcome.Pending;
}

/// <summary>
/// An event for merchants' webhooks, written in the same transaction as the state change it describes (outbox).
/// <see cref="Data"/> is the JSON object sent as the event's <c>data</c>. <see cref="TraceId"/> is the trace of the work
/// that wrote it (the API request, say), taken when the event is made; its webhook deliveries send it as a header.
/// </summary>
public sealed record PaymentEvent(Guid Id, Guid MerchantId, string Type, Guid PaymentId, string Data, DateTimeOffset CreatedAt)
{
    public string? TraceId { get; init; } = Diagnostics.TraceIds.Current;

    public string DisplayId => new PaymentEventId(Id).ToString();
}

public static class PaymentEventTypes
{
    public const string Initiated = "payment.initiated";
    public const string Succeeded = "payment.succeeded";
    public const string Failed = "payment.failed";
    public const string Refunded = "payment.refunded";
    public const string DisputeCreated = "dispute.created";
    public const string DisputeUpdated = "dispute.updated";
    public const string DisputeClosed = "dispute.closed";

    public static readonly IReadOnlyList<string> All = [Initiated, Succeeded, Failed, Refunded, DisputeCreated, DisputeUpdated, DisputeClosed];
}

/// <summary>
/// What scoring needs to know about a customer of a merchant, kept up to date by the store on every new payment
/// (never a query over history). <see cref="Recent"/> holds the newest payments (at most <see cref="RecentLimit"/>).
/// </summary>
public sealed record CustomerProfile(
    Guid MerchantId,
    string CustomerId,
    long PaymentCount,
    long TotalAmount,
    IReadOnlyList<string> KnownDevices,
    IReadOnlyDictionary<string, long> Countries,
    IReadOnlyList<RecentPayment> Recent)
{
    public const int RecentLimit = 20;
    public const int DeviceLimit = 20;

    public static CustomerProfile Empty(Guid merchantId, string customerId) => new(merchantId, customerId, 0, 0, [], new Dictionary<string, long>(), []);

    public double AverageAmount => PaymentCount == 0 ? 0 : (double)TotalAmount / PaymentCount;

    /// <summary>The country this customer pays from most often, or null before the first payment with a country.</summary>
    public string? UsualCountry => Countries.Count == 0 ? null : Countries.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).First().Key;

    /// <summary>
    /// The profile after one more payment attempt; stores apply this inside their write, so concurrent payments never lose
    /// an update. Every attempt counts toward velocity and card testing; only attempts that passed fraud screening teach
    /// the customer's habits (devices, countries, average amount), so one blocked try cannot make a fraudster's device
    /// "known" or their country "usual".
    /// </summary>
    public CustomerProfile With(PaymentActivity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        IReadOnlyList<RecentPayment> recent = [new RecentPayment(activity.At, activity.Amount), .. Recent.Take(RecentLimit - 1)];
        if (!activity.PassedScreening)
        {
            return this with { Recent = recent };
        }

        var devices = KnownDevices;
        if (activity.DeviceId is { } device && !devices.Contains(device, StringComparer.Ordinal))
        {
            devices = [device, .. devices.Take(DeviceLimit - 1)];
        }

        var countries = Countries;
        if (activity.Country is { } country)
        {
            var updated = new Dictionary<string, long>(Countries, StringComparer.Ordinal);
            updated[country] = updated.GetValueOrDefault(country) + 1;
            countries = updated;
        }

        return this with
        {
            PaymentCount = PaymentCount + 1,
            TotalAmount = TotalAmount + activity.Amount,
            KnownDevices = devices,
            Countries = countries,
            Recent = recent,
        };
    }
}

/// <summary>A value, so a profile's recent payments sit in one array the scorer walks without a pointer per payment.</summary>
public readonly record struct RecentPayment(DateTimeOffset At, long Amount);

/// <summary>One new payment attempt as the customer profile sees it; <paramref name="PassedScreening"/> is false for blocked and held attempts.</summary>
public sealed record PaymentActivity(Guid MerchantId, string CustomerId, long Amount, string? DeviceId, string? Country, DateTimeOffset At, bool PassedScreening = true);
