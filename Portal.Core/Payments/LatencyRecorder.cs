namespace Portal.Core.Payments;

/// <summary>
/// API latency of payment initiation for the monitor's p95: one histogram per minute (log-spaced buckets from 0.1 ms to
/// ~30 s), the last 24 hours kept in a ring. Recording is lock-free; a percentile over a window sums the minutes.
/// </summary>
public sealed class LatencyRecorder(TimeProvider clock)
{
    private const int Minutes = 24 * 60;
    private const int Buckets = 64;
    private static readonly double[] UpperBoundsMs = Enumerable.Range(0, Buckets).Select(i => 0.1 * Math.Pow(1.22, i)).ToArray();

    private readonly long[] _minuteOfSlot = new long[Minutes];
    private readonly long[,] _counts = new long[Minutes, Buckets];

    public void Record(TimeSpan elapsed)
    {
        var minute = clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        var slot = (int)(minute % Minutes);
        if (Interlocked.Exchange(ref _minuteOfSlot[slot], minute) != minute)
        {
            // First record of a new minute in this slot: forget the day-old counts it held. A racing record may be lost.
            for (var b = 0; b < Buckets; b++)
            {
                Interlocked.Exchange(ref _counts[slot, b], 0);
            }
        }

        var ms = elapsed.TotalMilliseconds;
        var bucket = Array.BinarySearch(UpperBoundsMs, ms);
        bucket = bucket < 0 ? Math.Min(~bucket, Buckets - 1) : bucket;
        Interlocked.Increment(ref _counts[slot, bucket]);
    }

    /// <summary>The percentile (0–100) in milliseconds over the last <paramref name="window"/>, or null with no samples.</summary>
    public double? Percentile(double percentile, TimeSpan window)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        var from = now - (long)Math.Ceiling(window.TotalMinutes) + 1;
        var sums = new long[Buckets];
        for (var minute = Math.Max(from, now - Minutes + 1); minute <= now; minute++)
        {
            var slot = (int)(minute % Minutes);
            if (Volatile.Read(ref _minuteOfSlot[slot]) != minute)
            {
                continue;
            }

            for (var b = 0; b < Buckets; b++)
            {
                sums[b] += Volatile.Read(ref _counts[slot, b]);
            }
        }

        var total = sums.Sum();
        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(total * percentile / 100.0);
        long seen = 0;
        for (var b = 0; b < Buckets; b++)
        {
            seen += sums[b];
            if (seen >= rank)
            {
                return UpperBoundsMs[b];
            }
        }

        return UpperBoundsMs[^1];
    }
}
