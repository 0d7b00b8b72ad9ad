namespace Portal.Tests.E2E;

/// <summary>The browser half of the staff idle limit: user input on a live page tells the server the session is in use.</summary>
public sealed class StaffSessionJourneyTests(BrowserFixture browser)
{
    [Fact]
    public async Task User_input_on_a_live_staff_page_reports_activity()
    {
        await using var session = await PortalSession.StartAsync(browser);
        await session.SignInAsync("compliance@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        await session.WaitForInteractiveAsync();

        var ping = session.Page.WaitForResponseAsync(r => r.Url.EndsWith("/account/activity", StringComparison.Ordinal));
        await session.Page.Keyboard.PressAsync("Shift");

        (await ping).Status.ShouldBe(204);
        session.ConsoleErrors.ShouldBeEmpty();
    }
}
