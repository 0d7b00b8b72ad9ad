using Portal.Core.Payments;

namespace Portal.Tests.Components.Payments;

/// <summary>A small in-memory payment store and outbox for component tests (one lock, the port's atomic-write semantics).</summary>
public sealed class InMemoryPaymentStore : IPaymentStore, IEventOutbox
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Payment> _payments = [];
    private readonly Dictionary<(Guid, string, string), IdempotencyRecord> _keys = [];
    private readonly Dictionary<(Guid, string), CustomerProfile> _customers = [];
    private readonly List<Refund> _refunds = [];
    private readonly List<PaymentEvent> _events = [];
    private readonly List<PaymentOutcomeCount> _counts = [];

    public Task<PaymentWriteResult> WriteAsync(PaymentWrite write, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (write.NewIdempotency is { } record && _keys.TryGetValue((record.MerchantId, record.Scope, record.Key), out var existing) && existing.ExpiresAt > record.CreatedAt)
            {
                return Task.FromResult(new PaymentWriteResult(PaymentWriteStatus.IdempotencyKeyExists, existing));
            }

            if (write.UpdatedPayment is { } updated && (!_payments.TryGetValue(updated.Id, out var stored) || stored.Version != write.ExpectedVersion))
            {
                return Task.FromResult(new PaymentWriteResult(PaymentWriteStatus.VersionConflict));
            }

            foreach (var r in new[] { write.NewIdempotency, write.CompletedIdempotency })
            {
                if (r is not null)
                {
                    _keys[(r.MerchantId, r.Scope, r.Key)] = r;
                }
            }

            if (write.NewPayment is { } created)
            {
                _payments[created.Id] = created;
            }

            if (write.UpdatedPayment is { } changed)
            {
                _payments[changed.Id] = changed;
            }

            if (write.NewRefund is { } refund)
            {
                _refunds.Add(refund);
            }

            if (write.Activity is { } activity)
            {
                var key = (activity.MerchantId, activity.CustomerId);
                _customers[key] = (_customers.GetValueOrDefault(key) ?? CustomerProfile.Empty(activity.MerchantId, activity.CustomerId)).With(activity);
            }

            if (write.Count is { } count)
            {
                _counts.Add(count);
            }

            _events.AddRange(write.Events);
            return Task.FromResult(PaymentWriteResult.Ok);
        }
    }

    public Task<Payment?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_payments.GetValueOrDefault(id));
        }
    }

    public Task<Payment?> GetByProcessorReferenceAsync(string reference, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_payments.Values.FirstOrDefault(p => p.ProcessorReference == reference));
        }
    }

    public Task<IdempotencyRecord?> GetIdempotencyAsync(Guid merchantId, string scope, string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_keys.GetValueOrDefault((merchantId, scope, key)));
        }
    }

    public Task<CustomerProfile?> GetCustomerAsync(Guid merchantId, string customerId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_customers.GetValueOrDefault((merchantId, customerId)));
        }
    }

    public Task<PaymentPage> ListAsync(PaymentListQuery query, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var rows = _payments.Values
                .Where(p => query.MerchantId is null || p.MerchantId == query.MerchantId)
                .Where(p => query.Status is null || p.Status == query.Status)
                .Where(p => query.CustomerId is null || p.CustomerId == query.CustomerId)
                .OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id)
                .Where(p => query.After is null || p.CreatedAt < query.After.CreatedAt || (p.CreatedAt == query.After.CreatedAt && p.Id.CompareTo(query.After.Id) < 0))
                .Take(query.Limit + 1)
                .ToList();
            var page = rows.Take(query.Limit).ToList();
            return Task.FromResult(new PaymentPage(page, rows.Count > query.Limit ? new PaymentKeyset(page[^1].CreatedAt, page[^1].Id) : null));
        }
    }

    public Task<IReadOnlyList<Refund>> RefundsAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Refund>>([.. _refunds.Where(r => r.PaymentId == paymentId).OrderBy(r => r.CreatedAt)]);
        }
    }

    public Task<IReadOnlyList<PaymentStatsBucket>> StatsAsync(Guid? merchantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            static DateTimeOffset Minute(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
            return Task.FromResult<IReadOnlyList<PaymentStatsBucket>>([.. _counts
                .Where(c => (merchantId is null || c.MerchantId == merchantId) && Minute(c.At) >= Minute(from) && c.At < to)
                .GroupBy(c => (Minute(c.At), c.Status, c.Reason, c.Currency))
                .Select(g => new PaymentStatsBucket(g.Key.Item1, g.Key.Status, g.Key.Reason, g.Key.Currency, g.Count(), g.Sum(c => c.Amount)))]);
        }
    }

    public Task<IReadOnlyList<PaymentEvent>> PendingAsync(int max, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<PaymentEvent>>([]);

    public Task MarkDispatchedAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<PaymentEvent>> ForPaymentAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<PaymentEvent>>([.. _events.Where(e => e.PaymentId == paymentId).OrderBy(e => e.CreatedAt)]);
        }
    }

    public Task<PaymentEvent?> GetEventAsync(Guid eventId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_events.FirstOrDefault(e => e.Id == eventId));
        }
    }
}
