using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Operations.SelfCheck;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Operations;

/// <summary>GET /api/v1/operations/self-check: staff only, every item of the checklist, and a broken setting seen as a failure with its alert.</summary>
public sealed class SelfCheckApiTests : IAsyncLifetime
{
    private static readonly string[] Items =
        ["key_round_trip", "storage_durability", "staff_mfa", "tls_certificate", "clock_skew", "log_card_numbers", "webhook_backlog", "audit_chain", "aws_settings"];

    private readonly PortalFactory _factory = new PortalFactory().WithSetting("Operations:SelfCheck:RunEvery", "00:00:00");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Admin_gets_every_item_with_live_storage_keys_and_mfa_passing()
    {
        using var client = _factory.ClientWithBearer(await _factory.StaffTokenAsync(PortalRoles.Admin));

        using var response = await client.GetAsync("/api/v1/operations/self-check", Ct);

        ((int)response.StatusCode).ShouldBe(200);
        var body = await response.JsonAsync();
        var items = body.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!, i => i.GetProperty("status").GetString());
        items.Keys.ShouldBe(Items);
        items["key_round_trip"].ShouldBe("pass");
        items["storage_durability"].ShouldBe("pass");
        items["staff_mfa"].ShouldBe("pass");
        items["tls_certificate"].ShouldBe("not_applicable");
        items["clock_skew"].ShouldBe("warn");
        items["aws_settings"].ShouldBe("not_applicable");
        body.GetProperty("failures").GetInt32().ShouldBe(items.Values.Count(s => s == "fail"));
    }

    [Fact]
    public async Task Compliance_may_run_it_too()
    {
        using var client = _factory.ClientWithBearer(await _factory.StaffTokenAsync(PortalRoles.Compliance));

        ((int)(await client.GetAsync("/api/v1/operations/self-check", Ct)).StatusCode).ShouldBe(200);
    }

    [Fact]
    public async Task A_merchant_key_is_refused_with_403_and_no_credentials_with_401()
    {
        var (_, key) = await _factory.ApprovedMerchantKeyAsync();
        using var merchant = _factory.ClientWithBearer(key);
        using var anonymous = _factory.CreateClient();

        using var refused = await merchant.GetAsync("/api/v1/operations/self-check", Ct);
        using var unauthenticated = await anonymous.GetAsync("/api/v1/operations/self-check", Ct);

        await refused.ShouldBeProblemAsync(403);
        await unauthenticated.ShouldBeProblemAsync(401);
    }
}

/// <summary>With staff MFA switched off the self-check fails that item and raises the portal alert.</summary>
public sealed class SelfCheckBrokenSettingTests : IAsyncLifetime
{
    private readonly PortalFactory _factory = new PortalFactory()
        .WithSetting("Operations:SelfCheck:RunEvery", "00:00:00")
        .WithSetting("Auth:RequireStaffMfa", "false");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Staff_mfa_switched_off_fails_its_item_and_raises_the_alert()
    {
        var report = await _factory.Services.GetRequiredService<SelfCheckRunner>().RunAsync(Ct);

        report.Items.Single(i => i.Id == "staff_mfa").Status.ShouldBe(SelfCheckStatus.Fail);
        _factory.Services.GetRequiredService<SelfCheckMonitor>().Failures.ShouldContain(f => f.Id == "staff_mfa");
    }
}
