using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Kyc;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Audit;

/// <summary>The computations of the compliance reports over a real chained log: coverage counts, KYC waits against the SLA, decision slots.</summary>
public sealed class AuditReportsTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("u-admin", "ada@example.com", "Admin", null, "10.0.0.1");
    private static readonly Actor Merchant = new("u-m", "owner@shop.example", "Merchant", Guid.NewGuid(), "198.51.100.4");
    private readonly EmbeddedTestBed _bed = new("audit-reports");
    private AuditReports _reports = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        // The merchant store is only read by the as-of view, which these tests do not reach.
        _reports = new AuditReports(_bed.Audit, null!, Options.Create(new KycOptions { SlaWarningHours = 24, SlaBreachHours = 48 }));
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    private Task<AuditEvent> Record(Actor actor, string action, string? target, AuditOutcome outcome = AuditOutcome.Success) =>
        _bed.Audit.AppendAsync(actor, new AuditEntry(action, outcome, target), Ct);

    private void Hours(double hours) => _bed.Clock.Advance(TimeSpan.FromHours(hours));

    [Fact]
    public async Task Kyc_decisions_carry_the_wait_since_submission_against_the_sla_newest_first()
    {
        var from = _bed.Clock.GetUtcNow();
        await Record(Merchant, AuditActions.MerchantSubmitted, "mer_a");
        await Record(Merchant, AuditActions.MerchantSubmitted, "mer_b");
        await Record(Merchant, AuditActions.MerchantSubmitted, "mer_c");
        Hours(10);
        await Record(Admin, AuditActions.MerchantApproved, "mer_a"); // waited 10 h: on time
        await Record(Admin, AuditActions.MerchantViewed, "mer_b"); // not a decision
        Hours(20);
        await Record(Admin, AuditActions.MerchantRejected, "mer_b"); // 30 h: warning
        await Record(Admin, AuditActions.MerchantApproved, "mer_c", AuditOutcome.Failure); // failed: not a decision
        Hours(20);
        await Record(Admin, AuditActions.KycDocumentAccepted, "mer_c/Passport"); // 50 h: breached
        await Record(Admin, AuditActions.MerchantApproved, "mer_z"); // never submitted: unknown
        var to = _bed.Clock.GetUtcNow().AddMinutes(1);
        Hours(1);
        await Record(Admin, AuditActions.MerchantApproved, "mer_b"); // after the period

        var rows = await _reports.KycDecisionsAsync(from, to, Ct);

        rows.Select(r => (r.Target, r.Action, r.Sla)).ShouldBe(
        [
            ("mer_z", AuditActions.MerchantApproved, "unknown"),
            ("mer_c/Passport", AuditActions.KycDocumentAccepted, "breached"),
            ("mer_b", AuditActions.MerchantRejected, "warning"),
            ("mer_a", AuditActions.MerchantApproved, "on time"),
        ]);
        rows[1].Waited.ShouldBe(TimeSpan.FromHours(50));
        rows[2].Waited.ShouldBe(TimeSpan.FromHours(30));
        rows[3].Waited.ShouldBe(TimeSpan.FromHours(10));
        rows[3].WaitingSince.ShouldBe(from);
        rows[0].Waited.ShouldBeNull();
        rows.ShouldAllBe(r => r.DecidedBy == "ada@example.com" && r.Role == "Admin");
    }

    [Fact]
    public async Task A_resubmission_restarts_the_wait()
    {
        var from = _bed.Clock.GetUtcNow();
        await Record(Merchant, AuditActions.MerchantSubmitted, "mer_a");
        Hours(60);
        await Record(Merchant, AuditActions.MerchantSubmitted, "mer_a");
        Hours(2);
        await Record(Admin, AuditActions.MerchantApproved, "mer_a");

        var row = (await _reports.KycDecisionsAsync(from, _bed.Clock.GetUtcNow().AddMinutes(1), Ct)).ShouldHaveSingleItem();

        row.Waited.ShouldBe(TimeSpan.FromHours(2));
        row.Sla.ShouldBe("on time");
    }

    [Fact]
    public async Task Coverage_lists_every_known_action_with_its_count_and_logged_unknown_ones()
    {
        var from = _bed.Clock.GetUtcNow();
        await Record(Admin, AuditActions.SignIn, "user:u-admin");
        await Record(Admin, AuditActions.SignIn, "user:u-admin");
        await Record(Admin, AuditActions.AuthFailed, null, AuditOutcome.Denied);
        await Record(Admin, "custom.thing", null);
        var to = _bed.Clock.GetUtcNow().AddMinutes(1);
        Hours(2);
        await Record(Admin, AuditActions.SignIn, "user:u-admin"); // after the period

        var rows = await _reports.CoverageAsync(from, to, Ct);

        rows.Count.ShouldBe(AuditActions.All.Count + 1);
        rows.Single(r => r.Action == AuditActions.SignIn).ShouldBe(new CoverageRow(AuditActions.SignIn, "auth", "10.2.1.5 identification and authentication changes", 2));
        rows.Single(r => r.Action == AuditActions.AuthFailed).Requirement.ShouldBe("10.2.1.4 invalid access attempts");
        rows.Single(r => r.Action == AuditActions.AuthFailed).Count.ShouldBe(1);
        rows.Single(r => r.Action == "custom.thing").ShouldBe(new CoverageRow("custom.thing", "custom", "10.2.1 other", 1));
        rows.Single(r => r.Action == AuditActions.AuditArchived).Requirement.ShouldBe("10.2.1.3 access to audit logs");
        rows.Single(r => r.Action == AuditActions.PaymentRefunded).Count.ShouldBe(0);
        rows.Select(r => r.Requirement).ShouldBeInOrder(SortDirection.Ascending, StringComparer.Ordinal);
    }

    [Fact]
    public async Task Decisions_of_an_area_are_its_events_in_the_period_newest_first()
    {
        var from = _bed.Clock.GetUtcNow();
        await Record(Admin, AuditActions.FraudCaseApproved, "pay_1");
        Hours(1);
        await Record(Admin, AuditActions.DisputeAccepted, "dsp_1");
        await Record(Admin, AuditActions.FraudCaseDeclined, "pay_2");

        var rows = await _reports.DecisionsAsync("fraud_case", from, _bed.Clock.GetUtcNow().AddMinutes(1), Ct);

        rows.Select(r => r.Target).ShouldBe(["pay_2", "pay_1"]);
        rows.ShouldAllBe(r => r.Sla == "n/a");
    }
}
