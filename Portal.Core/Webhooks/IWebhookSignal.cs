namespace Portal.Core.Webhooks;

/// <summary>Called after a write that added outbox events: the dispatcher looks at once instead of at its next poll.</summary>
public interface IWebhookSignal
{
    void Notify();
}

/// <summary>
/// Wakes the dispatcher (<see cref="Notify"/>) and the delivery worker (<see cref="NotifyDeliveries"/>). A notification
/// while nobody waits is remembered until the next wait, so none is lost.
/// </summary>
public sealed class WebhookSignal : IWebhookSignal
{
    private readonly Pulse _events = new();
    private readonly Pulse _deliveries = new();

    public void Notify() => _events.Set();

    public void NotifyDeliveries() => _deliveries.Set();

    public Task WaitForEventsAsync(TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken) => _events.WaitAsync(timeout, clock, cancellationToken);

    public Task WaitForDeliveriesAsync(TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken) => _deliveries.WaitAsync(timeout, clock, cancellationToken);

    private sealed class Pulse
    {
        private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Set() => Volatile.Read(ref _current).TrySetResult();

        /// <summary>Returns when set or after the timeout, then re-arms (before the caller looks for work, so a later Set is kept).</summary>
        public async Task WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
        {
            var current = Volatile.Read(ref _current);
            try
            {
                await current.Task.WaitAsync(timeout, clock, cancellationToken);
            }
            catch (TimeoutException)
            {
                // the poll interval passed
            }

            if (current.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
            }
        }
    }
}
