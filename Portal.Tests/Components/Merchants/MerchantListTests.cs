using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Auth;
using Portal.Components.Merchants;
using Portal.Core;
using Portal.Core.Merchants;
using Portal.Tests.Components.Onboarding;

namespace Portal.Tests.Components.Merchants;

/// <summary>The merchant list keeps its search, filter and page in the address, so Back and reload return to the same state.</summary>
public sealed class MerchantListTests : MerchantScreensContext
{
    private readonly Actor _admin = new("admin-l", "admin@portal.example", PortalRoles.Admin, null, "10.0.0.1");

    public MerchantListTests()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(_admin.Name!);
        auth.SetRoles(PortalRoles.Admin);
    }

    private async Task RegisterAsync(int count, string name = "Shop")
    {
        for (var i = 0; i < count; i++)
        {
            var cac = (300_000 + (name.Length * 1000) + i).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            (await Merchants.RegisterAsync(_admin, new RegisterMerchantRequest($"{name} {i:D2} Ltd", cac, $"m{cac}@shop.example"), Ct)).Succeeded.ShouldBeTrue();
        }
    }

    private bool _popovers;

    private IRenderedComponent<MerchantList> RenderAt(string url)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(url);
        if (!_popovers)
        {
            _popovers = true;
            Render<MudPopoverProvider>();
        }

        return Render<MerchantList>();
    }

    private static int Rows(IRenderedComponent<MerchantList> list) => list.FindAll("[data-testid=open-merchant]").Count;

    [Fact]
    public async Task A_search_in_the_address_is_shown_and_applied()
    {
        await RegisterAsync(2, "Foods");
        await RegisterAsync(3, "Crafts");

        var list = RenderAt("/admin/merchants?q=Foods");

        list.WaitForAssertion(() => Rows(list).ShouldBe(2), Wait);
        list.FindAll("input").Select(i => i.GetAttribute("value")).ShouldContain("Foods");
    }

    [Fact]
    public async Task A_status_filter_goes_into_the_address()
    {
        await RegisterAsync(2);
        var list = RenderAt("/admin/merchants");
        list.WaitForAssertion(() => Rows(list).ShouldBe(2), Wait);

        await list.InvokeAsync(() => list.Find($"[data-testid=count-{MerchantStatus.Approved}]").Click());

        Services.GetRequiredService<NavigationManager>().Uri.ShouldEndWith("/admin/merchants?status=Approved");
        list.WaitForAssertion(() => Rows(list).ShouldBe(0), Wait);
    }

    [Fact]
    public async Task The_next_page_is_in_the_address_and_opening_that_address_shows_the_same_page()
    {
        await RegisterAsync(25);
        var list = RenderAt("/admin/merchants");
        list.WaitForAssertion(() => Rows(list).ShouldBe(20), Wait);

        await list.InvokeAsync(() => list.Find("[data-testid=next-page]").Click());

        var address = Services.GetRequiredService<NavigationManager>().Uri;
        address.ShouldContain("page=2");
        address.ShouldContain("after=");
        list.WaitForAssertion(() => Rows(list).ShouldBe(5), Wait);
        // As after Back from a merchant, or a reload: a new page instance built from the address alone.
        var again = RenderAt(address);
        again.WaitForAssertion(() => Rows(again).ShouldBe(5), Wait);
        again.Find("[data-testid=pager]").TextContent.ShouldContain("Page 2");
    }
}
