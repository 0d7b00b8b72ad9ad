using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Fraud.Review;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Fraud;

/// <summary>The repair sweep: a held payment left without a case (the portal stopped before writing it) gets one, once.</summary>
public sealed class HeldPaymentCaseRepairTests : IAsyncLifetime
{
    private static readonly FraudReviewOptions Options = new() { RepairGrace = TimeSpan.FromMinutes(2), RepairInterval = TimeSpan.FromMinutes(1) };
    private readonly FraudReviewBed _bed = new(Options, openCases: false);
    private Portal.Core.Actor _merchant = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _merchant = await _bed.MerchantAsync("616161");

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    private HeldPaymentCaseRepair Repair() => new(_bed.Payments, _bed.Cases, _bed.Intake, _bed.Audit, new StaticOptionsMonitor(Options), _bed.Clock,
        NullLogger<HeldPaymentCaseRepair>.Instance);

    private async Task<IReadOnlyList<AuditEvent>> AuditAsync(string action) => (await _bed.Audit.QueryAsync(new AuditQuery(Action: action), Ct)).Events;

    [Fact]
    public async Task A_held_payment_without_a_case_gets_one_after_the_grace_period_audited_and_alerted()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant);
        (await _bed.Cases.GetByPaymentAsync(payment.Id, Ct)).ShouldBeNull();
        var repair = Repair();

        (await repair.RepairOnceAsync(Ct)).ShouldBe(0); // still within the grace period: the intake may be about to write it
        (await _bed.Cases.GetByPaymentAsync(payment.Id, Ct)).ShouldBeNull();

        _bed.Clock.Advance(TimeSpan.FromMinutes(3));
        (await repair.RepairOnceAsync(Ct)).ShouldBe(1);

        var fraudCase = await _bed.CaseOfAsync(payment);
        fraudCase.Status.ShouldBe(FraudCaseStatus.Open);
        fraudCase.Score.ShouldBe(payment.FraudScore);
        fraudCase.Amount.ShouldBe(payment.Amount);
        fraudCase.DueAt.ShouldBe(_bed.Clock.GetUtcNow() + Options.Sla);
        var repaired = (await AuditAsync(AuditActions.FraudCaseRepaired)).ShouldHaveSingleItem();
        repaired.Target.ShouldBe(fraudCase.DisplayId);
        repaired.Detail.ShouldNotBeNull().ShouldContain(payment.DisplayId);
        (await AuditAsync(AuditActions.FraudCaseOpened)).ShouldHaveSingleItem().Target.ShouldBe(fraudCase.DisplayId);
        _bed.Alerts.Recent(FraudReviewBed.AdminA).ShouldHaveSingleItem().CaseId.ShouldBe(fraudCase.Id);
    }

    [Fact]
    public async Task Running_twice_creates_one_case()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant);
        _bed.Clock.Advance(TimeSpan.FromMinutes(3));

        var rounds = await Task.WhenAll(Repair().RepairOnceAsync(Ct), Repair().RepairOnceAsync(Ct));
        (await Repair().RepairOnceAsync(Ct)).ShouldBe(0);

        rounds.Sum().ShouldBe(1);
        var fraudCase = await _bed.CaseOfAsync(payment);
        (await _bed.Cases.ListByStatusAsync(FraudCaseStatus.Open, 100, Ct)).Count(c => c.PaymentId == payment.Id).ShouldBe(1);
        (await AuditAsync(AuditActions.FraudCaseRepaired)).ShouldHaveSingleItem().Target.ShouldBe(fraudCase.DisplayId);
    }

    [Fact]
    public async Task A_payment_with_a_case_and_a_payment_no_longer_held_are_untouched()
    {
        var withCase = await _bed.HeldPaymentAsync(_merchant);
        var existing = await _bed.Cases.GetAsync(await _bed.Intake.OpenAsync(withCase, Ct), Ct);
        var succeeded = await _bed.UseCases.Initiate.InitiateAsync(_merchant,
            new PaymentRequest(100, "usd", "cus_quiet", SandboxProcessor.Success, "order-q", null, null, null, null), Guid.NewGuid().ToString("N"), Ct);
        succeeded.Value.ShouldNotBeNull().Payment.Status.ShouldBe(PaymentStatus.Succeeded);
        _bed.Clock.Advance(TimeSpan.FromMinutes(3));

        (await Repair().RepairOnceAsync(Ct)).ShouldBe(0);

        var after = await _bed.CaseOfAsync(withCase);
        (after.Id, after.Version, after.UpdatedAt, after.Status).ShouldBe((existing.ShouldNotBeNull().Id, 1L, existing.UpdatedAt, FraudCaseStatus.Open));
        (await _bed.Cases.GetByPaymentAsync(succeeded.Value.Payment.Id, Ct)).ShouldBeNull();
        (await AuditAsync(AuditActions.FraudCaseRepaired)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_hosted_sweep_repairs_on_its_own_schedule_with_the_fake_clock()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant);
        using var repair = Repair();
        await repair.StartAsync(Ct);
        try
        {
            // The first round runs at start (the payment is still within the grace period); the next after one interval.
            for (var i = 0; i < 4 && await _bed.Cases.GetByPaymentAsync(payment.Id, Ct) is null; i++)
            {
                await Task.Delay(100, Ct);
                _bed.Clock.Advance(Options.RepairInterval);
            }

            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (await _bed.Cases.GetByPaymentAsync(payment.Id, Ct) is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, Ct);
            }

            (await _bed.CaseOfAsync(payment)).Status.ShouldBe(FraudCaseStatus.Open);
        }
        finally
        {
            await repair.StopAsync(CancellationToken.None);
        }
    }

    private sealed class StaticOptionsMonitor(FraudReviewOptions value) : IOptionsMonitor<FraudReviewOptions>
    {
        public FraudReviewOptions CurrentValue => value;

        public FraudReviewOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<FraudReviewOptions, string?> listener) => null;
    }
}
