namespace Portal.Core.Payments;

/// <summary>
/// In-process notifications of payment changes, for live screens (transaction monitor) and the webhook dispatcher.
/// Published after the change is durable. Handlers run on the publisher's thread and must be quick and never throw.
/// With several portal instances each sees its own writes only (AWS mode would use DynamoDB Streams).
/// </summary>
public sealed class PaymentFeed
{
    private readonly Lock _lock = new();
    private Action<Payment>[] _handlers = [];

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
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            handler(payment);
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
        public void Dispose() => feed.Unsubscribe(handler);
    }
}
