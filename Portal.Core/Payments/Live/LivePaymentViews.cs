using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Portal.Core.Payments.Live;

/// <summary>
/// Live views of payments for screens (the transaction monitor, a merchant's payments page, a payment's detail page).
/// A viewer subscribes with its <see cref="Actor"/> and a filter; Core decides the tenant scope
/// (<see cref="LivePaymentScope.For"/>). Each subscription has a bounded, drop-to-latest buffer and receives at most one
/// coalesced <see cref="LivePaymentUpdate"/> per <see cref="LiveViewOptions.UpdateInterval"/>, on a timer thread, never
/// on the publisher's. The publisher only writes into the buffers of the subscriptions whose scope covers the payment
/// (indexed by merchant), so a viewer's cost does not grow with other merchants' payment rate, and a slow, frozen or
/// throwing viewer holds up nobody but itself.
/// </summary>
public sealed class LivePaymentViews : IDisposable
{
    private static readonly Index Empty = new([], new Dictionary<Guid, LivePaymentSubscription[]>());

    private readonly TimeProvider _clock;
    private readonly LiveViewOptions _options;
    private readonly LiveViewMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly IDisposable _source;
    private Index _index = Empty;

    public LivePaymentViews(IPaymentChangeSource source, TimeProvider clock, IOptions<LiveViewOptions> options, LiveViewMetrics metrics, ILogger<LivePaymentViews>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        _clock = clock;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger ?? NullLogger<LivePaymentViews>.Instance;
        _source = source.Subscribe(OnChange);
    }

    /// <summary>Open subscriptions.</summary>
    public int Count
    {
        get
        {
            var index = Volatile.Read(ref _index);
            return index.All.Length + index.ByMerchant.Values.Sum(s => s.Length);
        }
    }

    /// <summary>
    /// Watches the payments the actor may see that match <paramref name="filter"/>; <paramref name="onUpdate"/> gets
    /// what changed since its previous call, never two calls at once (the next waits for the returned task). Null when
    /// the actor may watch nothing of the kind (a role without payments, another merchant's id). Dispose to stop.
    /// </summary>
    public LivePaymentSubscription? Subscribe(Actor actor, LivePaymentFilter filter, Func<LivePaymentUpdate, Task> onUpdate)
    {
        ArgumentNullException.ThrowIfNull(onUpdate);
        if (LivePaymentScope.For(actor, filter) is not { } scope)
        {
            return null;
        }

        var subscription = new LivePaymentSubscription(this, scope, onUpdate, _clock, _options, _metrics, _logger);
        lock (_lock)
        {
            var index = _index;
            _index = scope.MerchantId is { } merchant
                ? index with { ByMerchant = With(index.ByMerchant, merchant, [.. Get(index.ByMerchant, merchant), subscription]) }
                : index with { All = [.. index.All, subscription] };
        }

        _metrics.Opened();
        return subscription;
    }

    internal void Remove(LivePaymentSubscription subscription)
    {
        lock (_lock)
        {
            var index = _index;
            if (subscription.Scope.MerchantId is { } merchant)
            {
                var left = Get(index.ByMerchant, merchant).Where(s => s != subscription).ToArray();
                _index = index with { ByMerchant = With(index.ByMerchant, merchant, left) };
            }
            else
            {
                _index = index with { All = [.. index.All.Where(s => s != subscription)] };
            }
        }

        _metrics.Closed();
    }

    /// <summary>On the publisher's thread: hand the change to the subscriptions whose scope covers it, nothing more.</summary>
    private void OnChange(Payment payment)
    {
        var index = Volatile.Read(ref _index);
        foreach (var subscription in index.All)
        {
            subscription.Offer(payment);
        }

        if (index.ByMerchant.TryGetValue(payment.MerchantId, out var merchants))
        {
            foreach (var subscription in merchants)
            {
                subscription.Offer(payment);
            }
        }
    }

    private static LivePaymentSubscription[] Get(Dictionary<Guid, LivePaymentSubscription[]> map, Guid merchant) =>
        map.TryGetValue(merchant, out var list) ? list : [];

    private static Dictionary<Guid, LivePaymentSubscription[]> With(Dictionary<Guid, LivePaymentSubscription[]> map, Guid merchant, LivePaymentSubscription[] list)
    {
        var copy = new Dictionary<Guid, LivePaymentSubscription[]>(map);
        if (list.Length == 0)
        {
            copy.Remove(merchant);
        }
        else
        {
            copy[merchant] = list;
        }

        return copy;
    }

    public void Dispose() => _source.Dispose();

    /// <summary>Copy-on-write: the publisher reads it without a lock.</summary>
    private sealed record Index(LivePaymentSubscription[] All, Dictionary<Guid, LivePaymentSubscription[]> ByMerchant);
}

/// <summary>One viewer's subscription: its scope, its bounded buffer and its coalescing timer. Dispose to stop.</summary>
public sealed class LivePaymentSubscription : IDisposable
{
    /// <summary>Even the first update waits this long, so it never runs on the publisher's thread and a burst's start is coalesced too.</summary>
    private static readonly TimeSpan MinimumDelay = TimeSpan.FromMilliseconds(1);

    private readonly LivePaymentViews _views;
    private readonly Func<LivePaymentUpdate, Task> _onUpdate;
    private readonly TimeProvider _clock;
    private readonly LiveViewOptions _options;
    private readonly LiveViewMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private readonly List<Payment> _rows = [];
    private readonly List<Guid> _left = [];
    private int _changes;
    private int _newPayments;
    private int _skipped;
    private bool _scheduled;
    private bool _delivering;
    private bool _disposed;
    private long _lastCut;
    private long _updates;
    private long _failures;

    internal LivePaymentSubscription(LivePaymentViews views, LivePaymentScope scope, Func<LivePaymentUpdate, Task> onUpdate, TimeProvider clock, LiveViewOptions options,
        LiveViewMetrics metrics, ILogger logger)
    {
        _views = views;
        Scope = scope;
        _onUpdate = onUpdate;
        _clock = clock;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _lastCut = long.MinValue;
        _timer = clock.CreateTimer(static s => ((LivePaymentSubscription)s!).Flush(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The tenant scope Core decided for this viewer.</summary>
    public LivePaymentScope Scope { get; }

    /// <summary>Updates delivered so far.</summary>
    public long Updates => Interlocked.Read(ref _updates);

    /// <summary>Calls of the viewer's handler that threw or faulted.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>On the publisher's thread: O(buffer) under this subscription's own lock, then at most a timer change.</summary>
    internal void Offer(Payment payment)
    {
        if (!Scope.Covers(payment))
        {
            return; // never buffered, not even transiently
        }

        var matches = Scope.Matches(payment);
        bool schedule;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _changes++;
            var at = _rows.FindIndex(p => p.Id == payment.Id);
            if (matches)
            {
                _left.Remove(payment.Id);
                if (payment.Version == 1)
                {
                    _newPayments++;
                }

                if (at >= 0)
                {
                    if (payment.Version >= _rows[at].Version)
                    {
                        _rows.RemoveAt(at);
                        _rows.Add(payment);
                    }
                }
                else
                {
                    _rows.Add(payment);
                    if (_rows.Count > _options.BufferCapacity)
                    {
                        _rows.RemoveAt(0); // drop the oldest change: the viewer jumps to the newest
                        _skipped++;
                    }
                }
            }
            else
            {
                if (at >= 0 && payment.Version >= _rows[at].Version)
                {
                    _rows.RemoveAt(at);
                }

                if (Scope.Filter.Status is not null && !_left.Contains(payment.Id))
                {
                    _left.Add(payment.Id);
                    if (_left.Count > _options.BufferCapacity)
                    {
                        _left.RemoveAt(0);
                        _skipped++;
                    }
                }
            }

            schedule = !_scheduled && !_delivering;
            _scheduled |= schedule;
        }

        if (schedule)
        {
            Schedule();
        }
    }

    private void Schedule()
    {
        var since = _lastCut == long.MinValue ? TimeSpan.MaxValue : _clock.GetElapsedTime(Interlocked.Read(ref _lastCut));
        var due = since >= _options.UpdateInterval ? MinimumDelay : _options.UpdateInterval - since;
        try
        {
            _timer.Change(due < MinimumDelay ? MinimumDelay : due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile.
        }
    }

    /// <summary>On a timer thread: cut what changed since the previous update and hand it to the viewer.</summary>
    private void Flush()
    {
        LivePaymentUpdate update;
        lock (_gate)
        {
            _scheduled = false;
            if (_disposed || _delivering || _changes == 0)
            {
                return;
            }

            var rows = _rows.ToArray();
            Array.Sort(rows, static (a, b) => b.CreatedAt != a.CreatedAt ? b.CreatedAt.CompareTo(a.CreatedAt) : b.Id.CompareTo(a.Id));
            update = new LivePaymentUpdate(rows, [.. _left], _changes, _newPayments, _skipped, _clock.GetUtcNow());
            _rows.Clear();
            _left.Clear();
            _changes = 0;
            _newPayments = 0;
            _skipped = 0;
            _delivering = true;
            Interlocked.Exchange(ref _lastCut, _clock.GetTimestamp());
        }

        Interlocked.Increment(ref _updates);
        _metrics.Delivered(Scope.MerchantId);
        Task task;
        try
        {
            task = _onUpdate(update);
        }
#pragma warning disable CA1031 // the viewer's failure is its own
        catch (Exception ex)
#pragma warning restore CA1031
        {
            task = Task.FromException(ex);
        }

        if (task.IsCompleted)
        {
            Delivered(task);
        }
        else
        {
            task.ContinueWith(static (t, s) => ((LivePaymentSubscription)s!).Delivered(t), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Delivered(Task task)
    {
        if (task.IsFaulted)
        {
            Interlocked.Increment(ref _failures);
            _metrics.Failed();
            _logger.LogWarning(task.Exception!.GetBaseException(), "A live payment view's handler failed; the view stays subscribed");
        }

        bool schedule;
        lock (_gate)
        {
            _delivering = false;
            schedule = !_disposed && !_scheduled && _changes > 0;
            _scheduled |= schedule;
        }

        if (schedule)
        {
            Schedule();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _rows.Clear();
            _left.Clear();
        }

        _timer.Dispose();
        _views.Remove(this);
    }
}
