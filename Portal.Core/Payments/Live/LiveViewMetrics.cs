using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Portal.Core.Payments.Live;

/// <summary>
/// Counters of the live views, for dotnet-counters (meter <c>Portal.LiveViews</c>) and the monitor benchmark: open
/// subscriptions, updates delivered (in total and per merchant scope), renders the screens report, handler failures.
/// </summary>
public sealed class LiveViewMetrics : IDisposable
{
    public const string MeterName = "Portal.LiveViews";

    private readonly Meter _meter = new(MeterName);
    private readonly ConcurrentDictionary<Guid, long> _updatesByMerchant = new();
    private readonly ConcurrentDictionary<Guid, long> _rendersByMerchant = new();
    private readonly Counter<long> _updateCounter;
    private readonly Counter<long> _renderCounter;
    private long _open;
    private long _updates;
    private long _renders;
    private long _failures;

    public LiveViewMetrics()
    {
        _updateCounter = _meter.CreateCounter<long>("portal.live.updates", description: "Coalesced updates delivered to live views");
        _renderCounter = _meter.CreateCounter<long>("portal.live.renders", description: "Renders of live screens");
        _meter.CreateObservableUpDownCounter("portal.live.subscriptions", () => Interlocked.Read(ref _open), description: "Open live view subscriptions");
    }

    public long Open => Interlocked.Read(ref _open);

    public long Updates => Interlocked.Read(ref _updates);

    public long Renders => Interlocked.Read(ref _renders);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Updates delivered to subscriptions scoped to one merchant, per merchant.</summary>
    public IReadOnlyDictionary<Guid, long> UpdatesByMerchant => _updatesByMerchant;

    /// <summary>Renders of live screens scoped to one merchant, per merchant.</summary>
    public IReadOnlyDictionary<Guid, long> RendersByMerchant => _rendersByMerchant;

    internal void Opened() => Interlocked.Increment(ref _open);

    internal void Closed() => Interlocked.Decrement(ref _open);

    internal void Failed() => Interlocked.Increment(ref _failures);

    internal void Delivered(Guid? merchant)
    {
        Interlocked.Increment(ref _updates);
        _updateCounter.Add(1);
        if (merchant is { } id)
        {
            _updatesByMerchant.AddOrUpdate(id, 1, static (_, n) => n + 1);
        }
    }

    /// <summary>A live screen rendered (called by the screens after each render).</summary>
    public void Rendered(Guid? merchant)
    {
        Interlocked.Increment(ref _renders);
        _renderCounter.Add(1);
        if (merchant is { } id)
        {
            _rendersByMerchant.AddOrUpdate(id, 1, static (_, n) => n + 1);
        }
    }

    public void Dispose() => _meter.Dispose();
}
