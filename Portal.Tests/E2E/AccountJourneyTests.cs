using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.E2E;

/// <summary>Sign-up with email confirmation, lockout, password reset and the staff TOTP challenge, in a real browser.</summary>
public sealed class AccountJourneyTests(BrowserFixture browser)
{
    private const string NewPassword = "Fresh-Merchant-77!";

    private static async Task FollowOutboxLinkAsync(PortalSession session, string email)
    {
        await session.Page.GotoAsync("/dev/outbox");
        var message = session.Page.Locator("[data-testid=outbox-message]").Filter(new() { Has = session.Page.GetByText(email) }).First;
        await message.WaitForAsync();
        await session.WaitForInteractiveAsync();
        var href = await message.Locator("[data-testid=outbox-action]").GetAttributeAsync("href");
        await session.Page.GotoAsync(href!);
    }

    [Fact]
    public async Task A_merchant_signs_up_confirms_the_email_and_signs_in()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var email = $"shop-{Guid.NewGuid():N}@example.com";

        await session.Page.GotoAsync("/account/register");
        await session.Page.FillAsync("#email", email);
        await session.Page.FillAsync("#password", NewPassword);
        await session.Page.FillAsync("#confirm", NewPassword);
        await session.Page.ClickAsync("button[type=submit]");
        await session.Page.Locator("[data-testid=register-confirmation]").WaitForAsync();

        // Not confirmed yet: sign-in is refused with a clear message.
        await session.SignInAsync(email, NewPassword);
        (await session.Page.Locator("[data-testid=status-message]").InnerTextAsync()).ShouldContain("Confirm your email");

        await FollowOutboxLinkAsync(session, email);
        await session.Page.Locator("[data-testid=email-confirmed]").WaitForAsync();

        await session.SignInAsync(email, NewPassword);
        (await session.NavHrefsAsync()).ShouldContain("/developers");
        (await session.Page.Locator("[data-testid=signed-in-user]").InnerTextAsync()).ShouldContain(email);
        session.ConsoleErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Sign_up_shows_each_problem_with_the_password_on_the_form()
    {
        await using var session = await PortalSession.StartAsync(browser);

        await session.Page.GotoAsync("/account/register");
        await session.Page.FillAsync("#email", "not-an-email");
        await session.Page.FillAsync("#password", "short");
        await session.Page.FillAsync("#confirm", "different");
        await session.Page.ClickAsync("button[type=submit]");

        var errors = await session.Page.Locator(".auth-field-error").AllInnerTextsAsync();
        errors.ShouldContain("Enter a valid email address.");
        errors.ShouldContain("The password must be 12 to 128 characters long.");
        errors.ShouldContain("The passwords do not match.");
        // What the user typed is kept (except passwords).
        (await session.Page.InputValueAsync("#email")).ShouldBe("not-an-email");
    }

    [Fact]
    public async Task Five_failed_sign_ins_lock_the_account_even_for_the_right_password()
    {
        await using var session = await PortalSession.StartAsync(browser, f => f.WithSetting("Auth:AuthRequestsPerMinute", "100"));
        var (user, _) = await session.Factory.CreateUserAsync(PortalRoles.Merchant);

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await session.SignInAsync(user.Email!, "Wrong-Password-123!");
            if (attempt < 5)
            {
                (await session.Page.Locator("[data-testid=status-message]").InnerTextAsync()).ShouldContain("do not match");
            }
        }

        await session.Page.Locator("[data-testid=lockout]").WaitForAsync();
        await session.SignInAsync(user.Email!, PortalFactory.Password);
        await session.Page.Locator("[data-testid=lockout]").WaitForAsync();
        var locked = await session.Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.LockedOut));
        locked.Events.ShouldContain(e => e.ActorId == user.Id && e.Outcome == AuditOutcome.Denied);
    }

    [Fact]
    public async Task Staff_must_pass_totp_at_every_sign_in_after_enrolment()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (user, _) = await session.Factory.CreateUserAsync(PortalRoles.Admin);

        await session.SignInAsync(user.Email!, PortalFactory.Password);
        var key = await session.EnrolTotpAsync();
        (await session.NavHrefsAsync()).ShouldContain("/admin/kyc");
        await session.SignOutAsync();

        await session.SignInAsync(user.Email!, PortalFactory.Password);
        await session.Page.WaitForURLAsync(new Regex("/account/login-2fa"));
        await session.Page.FillAsync("#code", "000000");
        await session.Page.ClickAsync("button[type=submit]");
        (await session.Page.Locator("[data-testid=status-message]").InnerTextAsync()).ShouldContain("not valid");

        // The enrolment's code was this step's, and each code is accepted once.
        await session.Page.FillAsync("#code", Totp.NextCode(key));
        await session.Page.ClickAsync("button[type=submit]");
        (await session.NavHrefsAsync()).ShouldContain("/admin/kyc");

        var audit = session.Factory.Services.GetRequiredService<IAuditLog>();
        (await audit.QueryAsync(new AuditQuery(Action: AuditActions.MfaEnrolled))).Events.ShouldContain(e => e.ActorId == user.Id && e.Outcome == AuditOutcome.Success);
        (await audit.QueryAsync(new AuditQuery(Action: AuditActions.MfaChallenge))).Events.ShouldContain(e => e.ActorId == user.Id && e.Outcome == AuditOutcome.Failure);
        (await audit.QueryAsync(new AuditQuery(Action: AuditActions.SignOut))).Events.ShouldContain(e => e.ActorId == user.Id);
    }

    [Fact]
    public async Task A_staff_member_who_skips_enrolment_cannot_reach_staff_pages()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (user, _) = await session.Factory.CreateUserAsync(PortalRoles.Compliance);
        await session.SignInAsync(user.Email!, PortalFactory.Password);
        await session.Page.WaitForURLAsync(new Regex("/account/mfa"));

        await session.Page.GotoAsync("/compliance/audit");

        await session.Page.Locator("[data-testid=access-denied]").WaitForAsync();
    }

    [Fact]
    public async Task A_forgotten_password_is_reset_through_the_emailed_link()
    {
        await using var session = await PortalSession.StartAsync(browser);
        var (user, _) = await session.Factory.CreateUserAsync(PortalRoles.Merchant);

        await session.Page.GotoAsync("/account/forgot-password");
        await session.Page.FillAsync("#email", user.Email!);
        await session.Page.ClickAsync("button[type=submit]");
        await session.Page.WaitForURLAsync(new Regex("forgot-password-confirmation"));

        await FollowOutboxLinkAsync(session, user.Email!);
        await session.Page.FillAsync("#email", user.Email!);
        await session.Page.FillAsync("#password", NewPassword);
        await session.Page.FillAsync("#confirm", NewPassword);
        await session.Page.ClickAsync("button[type=submit]");
        await session.Page.Locator("[data-testid=reset-done]").WaitForAsync();

        await session.SignInAsync(user.Email!, PortalFactory.Password);
        (await session.Page.Locator("[data-testid=status-message]").InnerTextAsync()).ShouldContain("do not match");
        await session.SignInAsync(user.Email!, NewPassword);
        (await session.NavHrefsAsync()).ShouldContain("/developers");
    }
}
