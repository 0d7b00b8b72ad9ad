using Portal.Core.Audit;
using Portal.Core.Security;

namespace Portal.Core.Payments;

public sealed record PaymentListing(IReadOnlyList<Payment> Items, string? NextCursor);

public sealed record PaymentDetail(Payment Payment, IReadOnlyList<Refund> Refunds, IReadOnlyList<PaymentEvent> Events);

/// <summary>
/// Reading payments: one payment, its timeline, listings and per-minute counters. A merchant reads only its own payments
/// (another merchant's are "not found"); staff read all, and their reads of a payment are audited.
/// </summary>
public sealed class PaymentQueries(IPaymentStore store, IEventOutbox outbox, AuditService audit, IKeyRing keys, TimeProvider clock)
{
    public const int MaxPageSize = 100;
    private const string InvalidListing = "The listing has invalid parameters";

    private readonly SignedCursor<PaymentKeyset> _cursors = new(keys, "payments");

    /// <summary>One payment. Staff reads are audited: a payment holds the customer's id, IP address and device.</summary>
    public async Task<Result<Payment>> GetAsync(Actor actor, PaymentId id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var payment = await store.GetAsync(id.Value, cancellationToken);
        if (payment is null || !CanSee(actor, payment))
        {
            return Error.NotFound();
        }

        if (!actor.IsMerchant)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.PaymentViewed, AuditOutcome.Success, payment.DisplayId), cancellationToken);
        }

        return payment;
    }

    /// <summary>The payment with its refunds and events (timeline); staff reads are audited.</summary>
    public async Task<Result<PaymentDetail>> DetailAsync(Actor actor, PaymentId id, CancellationToken cancellationToken = default)
    {
        var found = await GetAsync(actor, id, cancellationToken);
        if (!found.TryGet(out var payment))
        {
            return found.Error!;
        }

        return new PaymentDetail(payment, await store.RefundsAsync(id.Value, cancellationToken), await outbox.ForPaymentAsync(id.Value, cancellationToken));
    }

    /// <summary>Newest first. Merchants see their own; staff all, or one merchant's with <paramref name="merchantId"/>.</summary>
    public async Task<Result<PaymentListing>> ListAsync(Actor actor, int? limit, string? cursor, PaymentStatus? status, string? customerId, Guid? merchantId,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant && !IsStaff(actor))
        {
            // Closed by default: a caller that is neither a merchant nor staff sees an empty listing, never everyone's.
            return new PaymentListing([], null);
        }

        if (limit is < 1 or > MaxPageSize)
        {
            return Error.Validation(InvalidListing, "limit", $"limit must be an integer between 1 and {MaxPageSize}.");
        }

        var query = new PaymentListQuery(actor.IsMerchant ? actor.MerchantId : merchantId, status, string.IsNullOrWhiteSpace(customerId) ? null : customerId.Trim(), limit ?? 20);
        if (cursor is not null)
        {
            if (_cursors.Decode(cursor, Fingerprint(query)) is not { } after)
            {
                return Error.Validation(InvalidListing, "cursor", "cursor is not valid for this listing. Start again without a cursor.");
            }

            query = query with { After = after };
        }

        var page = await store.ListAsync(query, cancellationToken);
        if (!actor.IsMerchant)
        {
            // Staff reads of the payment listing (customer ids, amounts) are on the record, one event per page read.
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.PaymentsListed, AuditOutcome.Success, query.MerchantId is { } m ? new MerchantId(m).ToString() : null,
                $"rows={page.Items.Count} status={status?.ToString() ?? "any"}{(query.CustomerId is null ? "" : " customer_id")}"), cancellationToken);
        }

        return new PaymentListing(page.Items, page.Next is { } next ? _cursors.Encode(next, Fingerprint(query)) : null);
    }

    /// <summary>Per-minute outcome counters of the merchant (own) or of everyone (staff) in the window ending now.</summary>
    public Task<IReadOnlyList<PaymentStatsBucket>> StatsAsync(Actor actor, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsMerchant && !IsStaff(actor))
        {
            return Task.FromResult<IReadOnlyList<PaymentStatsBucket>>([]);
        }

        var now = clock.GetUtcNow();
        return store.StatsAsync(actor.IsMerchant ? actor.MerchantId : null, now - window, now.AddMinutes(1), cancellationToken);
    }

    private static bool IsStaff(Actor actor) => Roles.IsStaff(actor.Role);

    private static bool CanSee(Actor actor, Payment payment) => IsStaff(actor) || (actor.IsMerchant && actor.MerchantId == payment.MerchantId);

    private static string Fingerprint(PaymentListQuery q) => $"{q.MerchantId}|{q.Status}|{q.CustomerId}|{q.Limit}";
}
