using Bunit;
using Portal.Components.Kyc;
using Portal.Core.Merchants;
using Portal.Tests.Components.Onboarding;

namespace Portal.Tests.Components.Kyc;

/// <summary>After a resubmission the case shows both clocks, and a fresh one never reads "0 min".</summary>
public sealed class SlaChipTests : MerchantScreensContext
{
    [Fact]
    public void A_resubmitted_case_shows_the_time_since_resubmission_and_since_the_first_submission()
    {
        var now = Bed.Clock.GetUtcNow();

        var chip = Render<SlaChip>(p => p.Add(c => c.SubmittedAt, now.AddSeconds(-20)).Add(c => c.FirstSubmittedAt, now.AddDays(-3).AddHours(-2)));

        chip.Find("[data-testid=sla-chip]").TextContent.ShouldBe("under 1 min since resubmission");
        chip.Find("[data-testid=sla-first-submission]").TextContent.ShouldBe("3 d 2 h since first submission");
    }

    [Fact]
    public void A_case_submitted_once_shows_one_clock()
    {
        var now = Bed.Clock.GetUtcNow();

        var chip = Render<SlaChip>(p => p.Add(c => c.SubmittedAt, now.AddMinutes(-12)).Add(c => c.FirstSubmittedAt, now.AddMinutes(-12)));

        chip.Find("[data-testid=sla-chip]").TextContent.ShouldBe("12 min");
        chip.FindAll("[data-testid=sla-first-submission]").ShouldBeEmpty();
    }

    [Fact]
    public void The_first_submission_is_the_earliest_submitted_entry_of_the_history()
    {
        var id = Guid.CreateVersion7();
        var first = Bed.Clock.GetUtcNow().AddDays(-2);
        MerchantHistoryEntry Entry(DateTimeOffset at, MerchantStatus status) => new(id, at, "someone", null, status.ToString(), status, null);

        SlaChip.FirstSubmission(
        [
            Entry(first.AddHours(-1), MerchantStatus.Draft),
            Entry(first.AddDays(1), MerchantStatus.Submitted),
            Entry(first, MerchantStatus.Submitted),
            Entry(first.AddHours(5), MerchantStatus.MoreInformationRequested),
        ]).ShouldBe(first);
    }
}
