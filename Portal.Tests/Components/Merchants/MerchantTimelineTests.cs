using Bunit;
using MudBlazor.Services;
using Portal.Components.Shared;
using Portal.Core.Merchants;

namespace Portal.Tests.Components.Merchants;

/// <summary>The merchant's timeline: newest first, runs of the same change folded, the status named only when it adds something.</summary>
public sealed class MerchantTimelineTests : BunitContext
{
    private static readonly Guid Merchant = Guid.CreateVersion7();
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);

    public MerchantTimelineTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static MerchantHistoryEntry Entry(int minute, string change, MerchantStatus status, string actor = "m@shop.example", string? note = null) =>
        new(Merchant, T0.AddMinutes(minute), actor, actor.StartsWith("admin", StringComparison.Ordinal) ? "Admin" : "Merchant", change, status, note);

    [Fact]
    public void Repeated_draft_saves_read_as_one_row_and_a_status_that_repeats_the_change_is_not_said_twice()
    {
        MerchantHistoryEntry[] history =
        [
            Entry(0, "created", MerchantStatus.Draft),
            Entry(1, "draft saved", MerchantStatus.Draft),
            Entry(2, "draft saved", MerchantStatus.Draft),
            Entry(3, "draft saved", MerchantStatus.Draft),
            Entry(4, "submitted for review", MerchantStatus.Submitted),
            Entry(5, "Director's ID rejected", MerchantStatus.Submitted, "admin@demo.local", "Too blurred."),
            Entry(6, "Director's ID rejected", MerchantStatus.Submitted, "admin@demo.local", "Still blurred."),
            Entry(7, "more information requested", MerchantStatus.MoreInformationRequested, "admin@demo.local", "Send a sharper photo."),
        ];

        var timeline = Render<MerchantTimeline>(p => p.Add(c => c.Entries, history));

        var rows = timeline.FindAll("[data-testid=timeline-entry]").Select(e => e.TextContent.Trim()).ToList();
        rows.Count.ShouldBe(6); // the three draft saves fold; the two rejections have their own reasons and stay apart
        rows[0].ShouldStartWith("More information requested");
        rows[0].ShouldNotContain("· More information requested");
        rows[0].ShouldContain("Send a sharper photo.");
        rows[1].ShouldContain("Still blurred.");
        rows[2].ShouldContain("Too blurred.");
        rows[3].ShouldContain("Submitted for review · Submitted");
        rows[4].ShouldContain("Draft saved (3 times) · Draft");
        rows[4].ShouldContain("2026-11-29 09:01 UTC – 2026-11-29 09:03 UTC");
        rows[5].ShouldContain("Created · Draft");
    }

    [Fact]
    public void No_history_says_so()
    {
        Render<MerchantTimeline>(p => p.Add(c => c.Entries, [])).Markup.ShouldContain("No changes yet.");
    }
}
