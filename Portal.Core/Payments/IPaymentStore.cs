namespace Portal.Core.Payments;

/// <summary>
/// Payment storage. Both adapters (SQLite, DynamoDB) pass Portal.Tests/Contract/PaymentStoreContract.
/// Every change is one atomic <see cref="PaymentWrite"/>: idempotency record, payment, refund, customer profile,
/// per-minute counters and outbox events commit together or not at all.
/// </summary>
public interface IPaymentStore
{
    /// <summary>
    /// Commits the write atomically. <see cref="PaymentWriteStatus.IdempotencyKeyExists"/> (with the stored record) when
    /// <see cref="PaymentWrite.NewIdempotency"/> collides with an unexpired record of the same merchant, scope and key;
    /// <see cref="PaymentWriteStatus.VersionConflict"/> when <see cref="PaymentWrite.UpdatedPayment"/>'s stored version is not
    /// <see cref="PaymentWrite.ExpectedVersion"/>. Nothing is written in either case. An expired record is replaced.
    /// </summary>
    Task<PaymentWriteResult> WriteAsync(PaymentWrite write, CancellationToken cancellationToken);

    Task<Payment?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The payment the processor knows by <paramref name="reference"/> (set when the processor answered).</summary>
    Task<Payment?> GetByProcessorReferenceAsync(string reference, CancellationToken cancellationToken);

    /// <summary>The record for a merchant's key in a scope (<c>payments</c>, <c>refunds</c>), or null when unknown or expired.</summary>
    Task<IdempotencyRecord?> GetIdempotencyAsync(Guid merchantId, string scope, string key, CancellationToken cancellationToken);

    /// <summary>The customer's running aggregates, or null before its first payment.</summary>
    Task<CustomerProfile?> GetCustomerAsync(Guid merchantId, string customerId, CancellationToken cancellationToken);

    /// <summary>Newest first, keyset-paged; at most one of <see cref="PaymentListQuery.Status"/> and <see cref="PaymentListQuery.CustomerId"/> need be served by an index.</summary>
    Task<PaymentPage> ListAsync(PaymentListQuery query, CancellationToken cancellationToken);

    /// <summary>A payment's refunds, oldest first.</summary>
    Task<IReadOnlyList<Refund>> RefundsAsync(Guid paymentId, CancellationToken cancellationToken);

    /// <summary>Per-minute outcome counters in [from, to) for one merchant, or for all merchants when null.</summary>
    Task<IReadOnlyList<PaymentStatsBucket>> StatsAsync(Guid? merchantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>
/// The outbox side of the payment store: events written by <see cref="IPaymentStore.WriteAsync"/> wait here until the
/// webhook dispatcher has recorded their deliveries.
/// </summary>
public interface IEventOutbox
{
    /// <summary>Events not yet dispatched, oldest first.</summary>
    Task<IReadOnlyList<PaymentEvent>> PendingAsync(int max, CancellationToken cancellationToken);

    Task MarkDispatchedAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken cancellationToken);

    /// <summary>A payment's events, oldest first (its timeline).</summary>
    Task<IReadOnlyList<PaymentEvent>> ForPaymentAsync(Guid paymentId, CancellationToken cancellationToken);

    Task<PaymentEvent?> GetEventAsync(Guid eventId, CancellationToken cancellationToken);
}

/// <summary>
/// One atomic change. Parts left null are not touched; <see cref="Events"/> are appended to the outbox, once each: an event
/// whose id is already there is skipped and the rest of the write still applies (a retried append changes nothing).
/// </summary>
public sealed record PaymentWrite
{
    /// <summary>Inserted; collides with an unexpired record of the same (merchant, scope, key).</summary>
    public IdempotencyRecord? NewIdempotency { get; init; }

    /// <summary>Replaces the stored record of the same (merchant, scope, key): the final status code and body.</summary>
    public IdempotencyRecord? CompletedIdempotency { get; init; }

    public Payment? NewPayment { get; init; }

    /// <summary>Replaces the stored payment when its stored version is <see cref="ExpectedVersion"/>.</summary>
    public Payment? UpdatedPayment { get; init; }

    public long ExpectedVersion { get; init; }

    public Refund? NewRefund { get; init; }

    /// <summary>Folded into the customer's profile (<see cref="CustomerProfile.With"/>) inside the write.</summary>
    public PaymentActivity? Activity { get; init; }

    /// <summary>Added to the per-minute counters.</summary>
    public PaymentOutcomeCount? Count { get; init; }

    public IReadOnlyList<PaymentEvent> Events { get; init; } = [];

    /// <summary>Outbox events to mark dispatched (<see cref="IEventOutbox.MarkDispatchedAsync"/>), so the writer is the only one writing.</summary>
    public IReadOnlyCollection<Guid>? DispatchedEvents { get; init; }
}

public enum PaymentWriteStatus
{
    Ok,
    IdempotencyKeyExists,
    VersionConflict,
}

public sealed record PaymentWriteResult(PaymentWriteStatus Status, IdempotencyRecord? Existing = null)
{
    public static readonly PaymentWriteResult Ok = new(PaymentWriteStatus.Ok);
}

/// <summary>One outcome to count: the minute is <see cref="At"/> truncated; <see cref="Reason"/> is a failure code or null.</summary>
public sealed record PaymentOutcomeCount(Guid MerchantId, DateTimeOffset At, PaymentStatus Status, string? Reason, string Currency, long Amount);

/// <summary>Counters of one minute, status, reason and currency (for one merchant, or summed over all).</summary>
public sealed record PaymentStatsBucket(DateTimeOffset Minute, PaymentStatus Status, string? Reason, string Currency, long Count, long Amount);

/// <summary>Keyset position: (created, id) of the last row of the previous page.</summary>
public sealed record PaymentKeyset(DateTimeOffset CreatedAt, Guid Id);

public sealed record PaymentListQuery(
    Guid? MerchantId = null,
    PaymentStatus? Status = null,
    string? CustomerId = null,
    int Limit = 20,
    PaymentKeyset? After = null);

public sealed record PaymentPage(IReadOnlyList<Payment> Items, PaymentKeyset? Next);
