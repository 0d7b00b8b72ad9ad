using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Payments.Live;

namespace Portal.Core.Payments;

/// <summary>
/// In-process notifications of durable payment changes: the embedded <see cref="IPaymentChangeSource"/> that feeds the
/// live views (<see cref="LivePaymentViews"/>), the KPI aggregate and the webhook dispatcher's wake-up signal.
/// Published after the change is durable. Sinks run on the publisher's thread, so they must only hand the change over
/// (a buffer write, a signal); a sink that throws is logged and skipped, never failing the publishing request or the
/// other sinks. Screens never subscribe here: they subscribe to <see cref="LivePaymentViews"/>, which scopes by actor
/// and coalesces. With several portal instances each sees its own writes only (AWS mode: issue 20's shared stream).
/// </summary>
public sealed class PaymentFeed(ILogger<PaymentFeed>? logger = null) : IPaymentChangeSource
{
    private readonly ILogger _logger = logger ?? NullLogger<PaymentFeed>.Instance;
    private readonly Lock _lock = new();
    private Action<Payment>[] _handlers = [];
    private long _failures;

    /// <summary>Sinks that threw since start (each throw is logged, skipped, and counted here).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Sinks currently subscribed.</summary>
    public int Count => Volatile.Read(ref _handlers).Length;

    public IDisposable Subscribe(Action<Payment> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Subscription(this, handler);
    }

    public void Publish(Payment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                handler(payment);
            }
#pragma warning disable CA1031 // a sink's failure is its own: the payment is durable and the request must not fail
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _failures);
                _logger.LogError(ex, "A payment feed subscriber failed for {PaymentId}; skipped", payment.DisplayId);
            }
        }
    }

    private void Unsubscribe(Action<Payment> handler)
    {
        lock (_lock)
        {
            _handlers = [.. _handlers.Where(h => h != handler)];
        }
    }

    private sealed class Subscription(PaymentFeed feed, Action<Payment> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Unsubscribe(handler);
            }
        }
    }
}
