using Portal.Core.Payments;

namespace Portal.Components.Payments;

/// <summary>The monitor's key figures, summed from the service's per-minute outcome counters (UI-side aggregation).</summary>
public sealed record PaymentKpis(
    IReadOnlyList<CurrencyAmount> Volume,
    long Count,
    long Succeeded,
    long Failed,
    long Blocked,
    long Held,
    IReadOnlyList<ReasonCount> DeclineReasons)
{
    public static readonly PaymentKpis Empty = From([]);

    /// <summary>succeeded / (succeeded + failed + blocked), or null before the first decided payment.</summary>
    public double? SuccessRate => Succeeded + Failed + Blocked == 0 ? null : (double)Succeeded / (Succeeded + Failed + Blocked);

    public static PaymentKpis From(IEnumerable<PaymentStatsBucket> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var list = buckets as IReadOnlyCollection<PaymentStatsBucket> ?? [.. buckets];
        long Sum(PaymentStatus status) => list.Where(b => b.Status == status).Sum(b => b.Count);
        var volume = list.Where(b => b.Status == PaymentStatus.Succeeded)
            .GroupBy(b => b.Currency, StringComparer.OrdinalIgnoreCase)
            .Select(g => new CurrencyAmount(g.Key.ToLowerInvariant(), g.Sum(b => b.Amount)))
            .OrderByDescending(c => c.Amount)
            .ToList();
        var reasons = list.Where(b => b.Status is PaymentStatus.Failed or PaymentStatus.Blocked)
            .GroupBy(b => b.Reason ?? (b.Status == PaymentStatus.Blocked ? "fraud_blocked" : "declined"), StringComparer.Ordinal)
            .Select(g => new ReasonCount(g.Key, g.Sum(b => b.Count)))
            .Where(r => r.Count > 0)
            .OrderByDescending(r => r.Count)
            .ThenBy(r => r.Reason, StringComparer.Ordinal)
            .ToList();
        return new PaymentKpis(volume, list.Sum(b => b.Count), Sum(PaymentStatus.Succeeded), Sum(PaymentStatus.Failed), Sum(PaymentStatus.Blocked),
            Sum(PaymentStatus.HeldForReview), reasons);
    }
}

public sealed record CurrencyAmount(string Currency, long Amount);

public sealed record ReasonCount(string Reason, long Count);

/// <summary>Outcome counts per time slot (per minute over an hour, per hour over a day) for the monitor's chart.</summary>
public sealed record PaymentTimeline(IReadOnlyList<DateTimeOffset> Slots, IReadOnlyDictionary<PaymentStatus, double[]> Counts)
{
    /// <summary>The outcomes the chart stacks, in order.</summary>
    public static readonly IReadOnlyList<PaymentStatus> Outcomes = [PaymentStatus.Succeeded, PaymentStatus.Failed, PaymentStatus.Blocked, PaymentStatus.HeldForReview];

    /// <summary><paramref name="slots"/> slots of <paramref name="step"/> ending with the slot that holds <paramref name="now"/>.</summary>
    public static PaymentTimeline Build(IEnumerable<PaymentStatsBucket> buckets, DateTimeOffset now, TimeSpan step, int slots)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var last = Floor(now, step);
        var first = last - step * (slots - 1);
        var counts = Outcomes.ToDictionary(o => o, _ => new double[slots]);
        foreach (var bucket in buckets)
        {
            if (!counts.TryGetValue(bucket.Status, out var series))
            {
                continue;
            }

            var index = (int)((Floor(bucket.Minute, step) - first).Ticks / step.Ticks);
            if (index >= 0 && index < slots)
            {
                series[index] += bucket.Count;
            }
        }

        return new PaymentTimeline([.. Enumerable.Range(0, slots).Select(i => first + step * i)], counts);
    }

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan step)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % step.Ticks, TimeSpan.Zero);
    }
}
