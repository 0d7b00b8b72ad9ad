using Microsoft.Extensions.Time.Testing;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Payments;

/// <summary>The monitor's p95 API latency: per-minute histograms in a 24-hour ring.</summary>
public sealed class LatencyRecorderTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void No_samples_is_no_figure()
    {
        new LatencyRecorder(_clock).Percentile(95, TimeSpan.FromHours(1)).ShouldBeNull();
    }

    [Fact]
    public void The_95th_percentile_lands_in_the_bucket_of_the_95th_sample_within_a_bucket_width()
    {
        var recorder = new LatencyRecorder(_clock);
        for (var ms = 1; ms <= 100; ms++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(ms)); // p95 is 95 ms
        }

        var p95 = recorder.Percentile(95, TimeSpan.FromHours(1))!.Value;

        p95.ShouldBeGreaterThanOrEqualTo(95);
        p95.ShouldBeLessThanOrEqualTo(95 * 1.22); // buckets grow by 22 %
        recorder.Percentile(50, TimeSpan.FromHours(1))!.Value.ShouldBeInRange(50, 50 * 1.22);
    }

    [Fact]
    public void Samples_older_than_the_window_do_not_count_and_a_day_old_slot_is_reused_clean()
    {
        var recorder = new LatencyRecorder(_clock);
        for (var i = 0; i < 100; i++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(2000)); // a slow spell...
        }

        _clock.Advance(TimeSpan.FromHours(2));
        recorder.Record(TimeSpan.FromMilliseconds(3)); // ...two hours ago

        recorder.Percentile(95, TimeSpan.FromHours(1))!.Value.ShouldBeLessThan(5);
        recorder.Percentile(95, TimeSpan.FromDays(1))!.Value.ShouldBeGreaterThan(1000);

        // 24 hours after the slow spell its minute's slot is written again: the old counts are gone, not added to.
        _clock.Advance(TimeSpan.FromHours(22));
        recorder.Record(TimeSpan.FromMilliseconds(3));
        recorder.Percentile(95, TimeSpan.FromDays(1))!.Value.ShouldBeLessThan(5);
    }
}
