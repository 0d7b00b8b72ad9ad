using Bunit;
using MudBlazor.Services;
using Portal.Components.Pages;

namespace Portal.Tests.Components.Operations;

/// <summary>The admin home's count tiles: the figure, its cap, and the link to the filtered list.</summary>
public sealed class AdminCountTilesTests : BunitContext
{
    public AdminCountTilesTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Theory]
    [InlineData(7, null, "7")]
    [InlineData(100, 100, "100+")]
    [InlineData(99, 100, "99")]
    public void A_tile_shows_its_count_and_a_capped_count_as_cap_plus(long count, int? cap, string shown)
    {
        var tile = Render<CountTile>(p => p.Add(c => c.Label, "KYC cases in breach").Add(c => c.Count, count).Add(c => c.Cap, cap)
            .Add(c => c.Href, "/admin/kyc?breached=true").Add(c => c.Action, "Open breached").Add(c => c.TestId, "count-kyc-breach"));

        tile.Find("[data-testid=count-value]").TextContent.ShouldBe(shown);
        tile.Find("a").GetAttribute("href").ShouldBe("/admin/kyc?breached=true");
    }
}
