using System.Collections.Concurrent;
using Portal.Core.Payments;

namespace Portal.Tests.Infrastructure;

/// <summary>An in-memory outbox for webhook tests (the payment store's real one is tested by its own contract).</summary>
public sealed class FakeEventOutbox : IEventOutbox
{
    private readonly ConcurrentDictionary<Guid, PaymentEvent> _events = new();
    private readonly ConcurrentDictionary<Guid, bool> _dispatched = new();

    /// <summary>The next MarkDispatchedAsync throws (a crash after the deliveries were written, before the events were marked).</summary>
    public bool CrashBeforeNextMark { get; set; }

    public PaymentEvent Add(Guid merchantId, string type, string data = """{"object":"payment","amount":1000,"currency":"ngn"}""", DateTimeOffset? at = null)
    {
        var created = at ?? DateTimeOffset.UtcNow;
        var e = new PaymentEvent(Guid.CreateVersion7(created), merchantId, type, Guid.CreateVersion7(created), data, created);
        _events[e.Id] = e;
        return e;
    }

    public bool IsDispatched(Guid eventId) => _dispatched.ContainsKey(eventId);

    public Task<IReadOnlyList<PaymentEvent>> PendingAsync(int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PaymentEvent>>(_events.Values.Where(e => !_dispatched.ContainsKey(e.Id)).OrderBy(e => e.Id).Take(max).ToList());

    public Task MarkDispatchedAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken cancellationToken)
    {
        if (CrashBeforeNextMark)
        {
            CrashBeforeNextMark = false;
            throw new IOException("simulated crash before marking events dispatched");
        }

        foreach (var id in eventIds)
        {
            _dispatched[id] = true;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PaymentEvent>> ForPaymentAsync(Guid paymentId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PaymentEvent>>(_events.Values.Where(e => e.PaymentId == paymentId).OrderBy(e => e.Id).ToList());

    public Task<PaymentEvent?> GetEventAsync(Guid eventId, CancellationToken cancellationToken) => Task.FromResult(_events.GetValueOrDefault(eventId));
}
