using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Portal.Core.Payments.Live;

/// <summary>The KPI figures of a scope: per-minute outcome counters (as <see cref="IPaymentStore.StatsAsync"/> returns them) and when they were current.</summary>
/// <param name="Buckets">Per-minute counters in the window, oldest first.</param>
/// <param name="AsOf">When these figures were current.</param>
/// <param name="Version">Changes whenever the figures change: a screen re-renders only when it moved.</param>
public sealed record PaymentKpiSnapshot(IReadOnlyList<PaymentStatsBucket> Buckets, DateTimeOffset AsOf, long Version)
{
    public static readonly PaymentKpiSnapshot Empty = new([], DateTimeOffset.MinValue, 0);
}

/// <summary>
/// One shared, incrementally updated KPI aggregate for every viewer: the per-minute outcome counters of the last 24
/// hours, for all merchants (staff) and for each merchant being watched. Seeded with one store query per scope, then
/// fed by the payment change stream (the same one the live views use), and re-read from the store at most once per
/// <see cref="LiveViewOptions.KpiReconcileInterval"/> while watched (repairs drift and, with a shared stream, other
/// instances' counts). A viewer's read is a dictionary look-up and a cached list, never a store query per tick.
/// </summary>
/// <remarks>
/// A payment is counted once, like the store counts it: at its first non-pending state (created decided, or settled
/// after a pending state this instance saw).
/// </remarks>
public sealed class PaymentKpiAggregate : IDisposable
{
    private const int MaxTrackedPending = 100_000;
    private static readonly TimeSpan Horizon = TimeSpan.FromHours(24);

    private readonly IPaymentStore _store;
    private readonly TimeProvider _clock;
    private readonly LiveViewOptions _options;
    private readonly ILogger _logger;
    private readonly ScopeFigures _all = new(null);
    private readonly ConcurrentDictionary<Guid, ScopeFigures> _merchants = new();
    private readonly ConcurrentDictionary<Guid, byte> _pending = new();
    private readonly IDisposable _source;
    private long _lastSweep;

    public PaymentKpiAggregate(IPaymentChangeSource source, IPaymentStore store, TimeProvider clock, IOptions<LiveViewOptions> options, ILogger<PaymentKpiAggregate>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _clock = clock;
        _options = options.Value;
        _logger = logger ?? NullLogger<PaymentKpiAggregate>.Instance;
        _lastSweep = clock.GetTimestamp();
        _source = source.Subscribe(OnChange);
    }

    /// <summary>Merchant scopes held in memory (each one being watched, or watched within the idle eviction time).</summary>
    public int MerchantScopes => _merchants.Count;

    /// <summary>Store queries made so far (seeds and reconciliations), for tests and the benchmark.</summary>
    public long StoreQueries => Interlocked.Read(ref _queries);

    private long _queries;

    /// <summary>
    /// The figures the actor may see over <paramref name="window"/> (at most 24 hours) ending now: a merchant's own,
    /// everyone's for staff, nothing for anyone else. Storage trouble surfaces as <see cref="StorageUnavailableException"/>
    /// (from the store) on the first read of a scope only; later reads serve the live figures.
    /// </summary>
    public async Task<PaymentKpiSnapshot> ReadAsync(Actor actor, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ScopeFigures figures;
        if (actor.IsMerchant)
        {
            figures = _merchants.GetOrAdd(actor.MerchantId!.Value, static id => new ScopeFigures(id));
        }
        else if (actor.Role is "Admin" or "Compliance")
        {
            figures = _all;
        }
        else
        {
            return PaymentKpiSnapshot.Empty;
        }

        var now = _clock.GetUtcNow();
        figures.LastRead = _clock.GetTimestamp();
        await EnsureCurrentAsync(figures, cancellationToken);
        Sweep();
        return figures.Snapshot(window > Horizon ? Horizon : window, now);
    }

    private async Task EnsureCurrentAsync(ScopeFigures figures, CancellationToken cancellationToken)
    {
        if (figures.SeededAt is { } seeded && _clock.GetElapsedTime(seeded) < _options.KpiReconcileInterval)
        {
            return;
        }

        await figures.Gate.WaitAsync(cancellationToken);
        try
        {
            if (figures.SeededAt is { } again && _clock.GetElapsedTime(again) < _options.KpiReconcileInterval)
            {
                return;
            }

            figures.BeginSeed();
            IReadOnlyList<PaymentStatsBucket> rows;
            try
            {
                var now = _clock.GetUtcNow();
                Interlocked.Increment(ref _queries);
                rows = await _store.StatsAsync(figures.MerchantId, now - Horizon, now.AddMinutes(1), cancellationToken);
            }
            catch when (figures.SeededAt is not null)
            {
                // Reconciliation only: keep serving the live figures and try again at the next interval.
                figures.EndSeed(null, _clock.GetTimestamp());
                _logger.LogWarning("KPI reconciliation failed for {Scope}; the live figures are kept", figures.MerchantId is null ? "all merchants" : "a merchant");
                return;
            }
            catch
            {
                figures.EndSeed(null, null);
                throw;
            }

            figures.EndSeed(rows, _clock.GetTimestamp());
        }
        finally
        {
            figures.Gate.Release();
        }
    }

    /// <summary>On the publisher's thread: count the payment's outcome once, in O(1).</summary>
    private void OnChange(Payment payment)
    {
        if (payment.Status == PaymentStatus.Pending)
        {
            if (_pending.Count >= MaxTrackedPending)
            {
                _pending.Clear(); // the reconciliation repairs what this forgets
            }

            _pending.TryAdd(payment.Id, 0);
            return;
        }

        if (!_pending.TryRemove(payment.Id, out _) && payment.Version != 1)
        {
            return; // a later change (refund, dispute): already counted
        }

        var now = _clock.GetUtcNow();
        var key = new BucketKey(Minute(now), payment.Status, payment.FailureCode, payment.Currency);
        _all.Add(key, payment.Amount);
        if (_merchants.TryGetValue(payment.MerchantId, out var merchant))
        {
            merchant.Add(key, payment.Amount);
        }
    }

    private void Sweep()
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (_clock.GetElapsedTime(last) < TimeSpan.FromMinutes(1) || Interlocked.CompareExchange(ref _lastSweep, _clock.GetTimestamp(), last) != last)
        {
            return;
        }

        foreach (var (id, figures) in _merchants)
        {
            if (_clock.GetElapsedTime(figures.LastRead) > _options.KpiIdleEviction)
            {
                _merchants.TryRemove(id, out _);
            }
        }
    }

    private static long Minute(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;

    public void Dispose() => _source.Dispose();

    private readonly record struct BucketKey(long Minute, PaymentStatus Status, string? Reason, string Currency);

    private sealed class ScopeFigures(Guid? merchantId)
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<TimeSpan, (long From, PaymentKpiSnapshot Snapshot)> _cache = [];
        private Dictionary<BucketKey, (long Count, long Amount)> _buckets = [];
        private List<(BucketKey Key, long Amount)>? _duringSeed;
        private long _version;

        public Guid? MerchantId { get; } = merchantId;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public long? SeededAt { get; private set; }

        public long LastRead { get; set; }

        public void Add(BucketKey key, long amount)
        {
            lock (_lock)
            {
                _duringSeed?.Add((key, amount));
                Apply(key, amount);
                _version++;
            }
        }

        public void BeginSeed()
        {
            lock (_lock)
            {
                _duringSeed = [];
            }
        }

        /// <summary>Replaces the counters with the store's, then re-applies what arrived during the query.</summary>
        public void EndSeed(IReadOnlyList<PaymentStatsBucket>? rows, long? at)
        {
            lock (_lock)
            {
                if (rows is not null)
                {
                    var during = _duringSeed ?? [];
                    _buckets = [];
                    foreach (var row in rows)
                    {
                        var key = new BucketKey(Minute(row.Minute), row.Status, row.Reason, row.Currency);
                        _buckets[key] = _buckets.TryGetValue(key, out var t) ? (t.Count + row.Count, t.Amount + row.Amount) : (row.Count, row.Amount);
                    }

                    foreach (var (key, amount) in during)
                    {
                        Apply(key, amount);
                    }

                    _version++;
                }

                _duringSeed = null;
                SeededAt = at;
            }
        }

        public PaymentKpiSnapshot Snapshot(TimeSpan window, DateTimeOffset now)
        {
            lock (_lock)
            {
                var from = Ceiling(now - window);
                var to = Ceiling(now.AddMinutes(1));
                if (_cache.TryGetValue(window, out var cached) && cached.From == from && cached.Snapshot.Version == _version)
                {
                    return cached.Snapshot with { AsOf = now }; // nothing changed since: the figures are current now
                }

                var horizon = Ceiling(now - Horizon) - 1;
                List<BucketKey>? expired = null;
                var list = new List<PaymentStatsBucket>();
                foreach (var (key, tally) in _buckets)
                {
                    if (key.Minute < horizon)
                    {
                        (expired ??= []).Add(key);
                    }
                    else if (key.Minute >= from && key.Minute < to)
                    {
                        list.Add(new PaymentStatsBucket(DateTimeOffset.FromUnixTimeSeconds(key.Minute * 60), key.Status, key.Reason, key.Currency, tally.Count, tally.Amount));
                    }
                }

                foreach (var key in expired ?? [])
                {
                    _buckets.Remove(key);
                }

                list.Sort(static (a, b) => a.Minute.CompareTo(b.Minute));
                var snapshot = new PaymentKpiSnapshot(list, now, _version);
                _cache[window] = (from, snapshot);
                return snapshot;
            }
        }

        private void Apply(BucketKey key, long amount) =>
            _buckets[key] = _buckets.TryGetValue(key, out var t) ? (t.Count + 1, t.Amount + amount) : (1, amount);

        /// <summary>The store's window bound: the first whole minute at or after <paramref name="at"/>.</summary>
        private static long Ceiling(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + TimeSpan.TicksPerMinute - 1) / TimeSpan.TicksPerMinute;
    }
}
