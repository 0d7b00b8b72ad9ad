using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using Portal.Components.Disputes;
using Portal.Core;
using Portal.Core.Disputes;

namespace Portal.Tests.Components.Disputes;

/// <summary>The deadline countdown (colours against a fake clock), the status chip and the evidence view.</summary>
public sealed class DisputeComponentTests : BunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    public DisputeComponentTests()
    {
        Services.AddMudServices();
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static Dispute DueIn(TimeSpan left, DisputeStatus status = DisputeStatus.NeedsResponse, EvidenceState evidence = EvidenceState.None) =>
        new(Guid.CreateVersion7(Now), "sandbox", "sbx_dp_1", Guid.CreateVersion7(Now), Guid.CreateVersion7(Now), "fraudulent", new Money(4200, "usd"), Now + left, status, evidence,
            DisputeEvidence.Empty, [], Now, Now, Now, "processor", null, null, 1);

    [Theory]
    [InlineData(100, "OnTime", "4 d 4 h left")]
    [InlineData(47, "Warning", "47 h left")]
    [InlineData(-2, "Breached", "Overdue 2 h")]
    public void The_countdown_is_green_then_amber_within_48_hours_then_red_when_overdue(int hoursLeft, string level, string text)
    {
        var chip = Render<DueChip>(p => p.Add(c => c.Dispute, DueIn(TimeSpan.FromHours(hoursLeft))));

        var element = chip.Find("[data-testid=due-chip]");
        element.GetAttribute("data-sla").ShouldBe(level);
        element.TextContent.Trim().ShouldBe(text);
    }

    [Theory]
    [InlineData(DisputeStatus.UnderReview)]
    [InlineData(DisputeStatus.Won)]
    [InlineData(DisputeStatus.Accepted)]
    public void An_answered_or_closed_dispute_shows_no_clock(DisputeStatus status)
    {
        var chip = Render<DueChip>(p => p.Add(c => c.Dispute, DueIn(TimeSpan.FromHours(5), status, EvidenceState.Submitted)));

        chip.Find("[data-testid=due-chip]").GetAttribute("data-sla").ShouldBe("none");
    }

    [Fact]
    public void Every_status_has_a_label_and_colour()
    {
        foreach (var status in Enum.GetValues<DisputeStatus>())
        {
            var chip = Render<DisputeStatusChip>(p => p.Add(c => c.Status, status));
            chip.Find("[data-testid=dispute-status]").TextContent.Trim().ShouldBe(DisputeNames.Label(status));
            chip.Find("[data-testid=dispute-status]").GetAttribute("data-status").ShouldBe(DisputeNames.Status(status));
        }
    }

    [Fact]
    public void The_evidence_view_lists_only_the_filled_fields_and_the_files()
    {
        var file = new EvidenceFile(Guid.CreateVersion7(), EvidenceFileType.ShippingDocumentation, "k", "v", "application/pdf", 2048, new string('a', 64), Now);

        var view = Render<EvidenceView>(p => p
            .Add(c => c.Evidence, new DisputeEvidence(ShippingCarrier: "DHL", Explanation: "Delivered."))
            .Add(c => c.Files, [file])
            .Add(c => c.DisputeDisplayId, "dp_x"));

        view.Find("[data-testid=sent-shipping_carrier]").TextContent.Trim().ShouldBe("DHL");
        view.Find("[data-testid=sent-explanation]").TextContent.Trim().ShouldBe("Delivered.");
        view.FindAll("[data-testid=sent-customer_name]").ShouldBeEmpty();
        var link = view.Find("[data-testid=evidence-file]");
        link.TextContent.ShouldContain("Shipping documentation");
        link.GetAttribute("href").ShouldBe($"/disputes/dp_x/files/{file.Id:N}");
    }
}
