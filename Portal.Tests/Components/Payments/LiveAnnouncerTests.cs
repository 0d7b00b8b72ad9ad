using Microsoft.Extensions.Time.Testing;
using Portal.Components.Payments;

namespace Portal.Tests.Components.Payments;

/// <summary>The live grid's polite announcement: one coalesced sentence, throttled, never one per payment.</summary>
public sealed class LiveAnnouncerTests
{
    [Fact]
    public void The_first_payment_is_announced_at_once()
    {
        var clock = new FakeTimeProvider();
        var changes = 0;
        using var announcer = new LiveAnnouncer(clock, () => changes++);

        announcer.Add(1);

        announcer.Text.ShouldBe("1 new payment");
        announcer.Announcements.ShouldBe(1);
        changes.ShouldBe(1);
    }

    [Fact]
    public void A_burst_inside_the_interval_is_one_later_announcement_with_the_total()
    {
        var clock = new FakeTimeProvider();
        var changes = 0;
        using var announcer = new LiveAnnouncer(clock, () => changes++);
        announcer.Add(2);

        // 300 payments in 50 updates during the next few seconds: nothing new is said yet.
        for (var i = 0; i < 50; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            announcer.Add(6);
        }

        announcer.Text.ShouldBe("2 new payments");
        announcer.Announcements.ShouldBe(1);
        changes.ShouldBe(1);

        // When the interval ends, the whole burst is said once.
        clock.Advance(LiveAnnouncer.Every);
        announcer.Text.ShouldBe("300 new payments");
        announcer.Announcements.ShouldBe(2);
        changes.ShouldBe(2);

        // Nothing pending: the timer stays silent.
        clock.Advance(LiveAnnouncer.Every * 3);
        announcer.Announcements.ShouldBe(2);
    }

    [Fact]
    public void After_a_quiet_interval_the_next_payment_is_announced_at_once()
    {
        var clock = new FakeTimeProvider();
        using var announcer = new LiveAnnouncer(clock, () => { });
        announcer.Add(1);
        clock.Advance(LiveAnnouncer.Every + TimeSpan.FromSeconds(1));

        announcer.Add(1234);

        announcer.Text.ShouldBe("1,234 new payments");
        announcer.Announcements.ShouldBe(2);
    }

    [Fact]
    public void Updates_without_new_payments_say_nothing()
    {
        var clock = new FakeTimeProvider();
        using var announcer = new LiveAnnouncer(clock, () => { });

        announcer.Add(0);

        announcer.Text.ShouldBe("");
        announcer.Announcements.ShouldBe(0);
    }
}
