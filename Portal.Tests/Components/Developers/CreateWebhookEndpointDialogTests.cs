using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Components.Developers;
using Portal.Core.Webhooks;
using Portal.Tests.Unit.Webhooks;

namespace Portal.Tests.Components.Developers;

/// <summary>The add-endpoint dialog validates with the API's validator as the merchant types.</summary>
public sealed class CreateWebhookEndpointDialogTests : BunitContext
{
    public CreateWebhookEndpointDialogTests()
    {
        Services.AddMudServices();
        Services.AddSingleton(new WebhookEndpointRequestValidator(new WebhookUrlPolicy(new StaticOptionsMonitor<WebhookOptions>(new WebhookOptions()))));
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public async Task Defaults_to_all_events_refuses_http_and_returns_the_request()
    {
        var provider = Render<MudDialogProvider>();
        IDialogReference? reference = null;
        await provider.InvokeAsync(async () => reference = await Services.GetRequiredService<IDialogService>().ShowAsync<CreateWebhookEndpointDialog>("Add webhook endpoint"));
        provider.Markup.ShouldContain("All events");
        var url = provider.Find(".mud-dialog input");

        await provider.InvokeAsync(() => url.Input("http://hooks.example.com/portal"));
        provider.WaitForAssertion(() => provider.Markup.ShouldContain("The URL must use https."));
        provider.Find("[data-testid=confirm-create-webhook]").HasAttribute("disabled").ShouldBeTrue();

        await provider.InvokeAsync(() => provider.Find(".mud-dialog input").Input("https://hooks.example.com/portal"));
        provider.WaitForAssertion(() => provider.Find("[data-testid=confirm-create-webhook]").HasAttribute("disabled").ShouldBeFalse());
        await provider.InvokeAsync(() => provider.Find("[data-testid=confirm-create-webhook]").Click());

        var result = await reference!.Result;
        var request = result!.Data.ShouldBeOfType<WebhookEndpointRequest>();
        (request.Url, request.EnabledEvents!.Single()).ShouldBe(("https://hooks.example.com/portal", WebhookEndpoint.AllEvents));
    }

    [Fact]
    public async Task Tabbing_past_the_untouched_url_leaves_it_unmarked_and_a_changed_one_is_checked_on_leaving()
    {
        var provider = Render<MudDialogProvider>();
        await provider.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<CreateWebhookEndpointDialog>("Add webhook endpoint"));

        // Focus passes through without a change (issue 22: untouched fields turned red as the user tabbed past them).
        await provider.InvokeAsync(() => provider.Find(".mud-dialog input").Blur());
        provider.FindAll(".mud-dialog .mud-input-error").ShouldBeEmpty();

        await provider.InvokeAsync(() => provider.Find(".mud-dialog input").Input("http://hooks.example.com/portal"));
        await provider.InvokeAsync(() => provider.Find(".mud-dialog input").Blur());
        provider.WaitForAssertion(() => provider.FindAll(".mud-dialog .mud-input-error").ShouldNotBeEmpty());
    }
}
