using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Merchants;
using Portal.Operations;
using Portal.Operations.SelfCheck;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Operations;

/// <summary>The admin home's counts over the real services: they move with what they count, and only admins get them.</summary>
public sealed class AdminCountsTests : IAsyncLifetime
{
    private readonly PortalFactory _factory = new PortalFactory().WithSetting("Operations:SelfCheck:RunEvery", "00:00:00");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    private AdminCounts Counts => _factory.Services.GetRequiredService<AdminCounts>();

    [Fact]
    public async Task A_submitted_merchant_and_a_failing_self_check_item_each_add_one()
    {
        var (_, admin) = await _factory.CreateUserAsync(PortalRoles.Admin);
        var before = (await Counts.LoadAsync(admin, Ct)).ShouldNotBeNull();
        var (_, merchant) = await _factory.CreateUserAsync(PortalRoles.Merchant);
        var merchants = _factory.Services.GetRequiredService<MerchantService>();
        var form = KybForms.Complete("271828");
        var draft = await merchants.SaveDraftAsync(merchant, form, null, Ct);
        (await merchants.SubmitAsync(merchant, form, draft.Value!.Version, Ct)).Succeeded.ShouldBeTrue();
        _factory.Services.GetRequiredService<SelfCheckMonitor>().Report(new SelfCheckReport(DateTimeOffset.UtcNow,
            [new SelfCheckResult("staff_mfa", "Staff MFA is enforced", SelfCheckStatus.Fail, "off", "turn it on"), new SelfCheckResult("clock_skew", "Clock", SelfCheckStatus.Warn, "unknown")]));

        var after = (await Counts.LoadAsync(admin, Ct)).ShouldNotBeNull();

        after.KycWaiting.ShouldBe(before.KycWaiting + 1);
        after.SelfCheckFailures.ShouldBe(1);
        after.KycInBreach.ShouldBe(before.KycInBreach); // just submitted: not past its SLA
    }

    [Fact]
    public async Task Compliance_gets_no_counts()
    {
        var (_, compliance) = await _factory.CreateUserAsync(PortalRoles.Compliance);

        (await Counts.LoadAsync(compliance, Ct)).ShouldBeNull();
    }
}
