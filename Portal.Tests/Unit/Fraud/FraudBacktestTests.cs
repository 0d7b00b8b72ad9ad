using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Fraud;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Review;
using Portal.Core.Fraud.Rules;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Fraud;

/// <summary>The backtest's figures on a known data set, each version replayed with its own customer histories in time order.</summary>
public sealed class FraudBacktestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Guid Merchant = Guid.CreateVersion7();

    /// <summary>
    /// Customer A: four small payments a minute apart from one device, the last later disputed (card testing).
    /// Customer B: one large payment from a new device, later disputed. Customer C: one payment before the period.
    /// </summary>
    private static List<ReplayPayment> DataSet(DateTimeOffset now)
    {
        var start = now.AddDays(-1);
        ReplayPayment Pay(string customer, long amount, string device, DateTimeOffset at, PaymentStatus status = PaymentStatus.Succeeded) =>
            new(Guid.CreateVersion7(at), Merchant, customer, amount, device, "NG", null, null, status, at);
        return
        [
            Pay("cus_c", 100, "dev_c", now.AddDays(-10)),
            Pay("cus_a", 100, "dev_a", start),
            Pay("cus_a", 100, "dev_a", start.AddMinutes(1)),
            Pay("cus_b", 5000, "dev_b", start.AddMinutes(1).AddSeconds(30), PaymentStatus.Disputed),
            Pay("cus_a", 100, "dev_a", start.AddMinutes(2)),
            Pay("cus_a", 100, "dev_a", start.AddMinutes(3), PaymentStatus.Disputed),
        ];
    }

    [Fact]
    public async Task The_draft_and_the_live_version_are_compared_over_the_period_with_outcomes()
    {
        await using var bed = await FraudBed.CreateAsync();
        var now = bed.Bed.Clock.GetUtcNow();
        var live = (await bed.RuleService.GetAsync(FraudBed.Ada, Ct)).Value!.Live;
        await bed.RuleService.SaveDraftAsync(FraudBed.Ada, live.Parameters with { UnknownDeviceWeight = 75, CardTestingWeight = 85 }, null, 0, Ct);
        var data = DataSet(now);
        var cases = new SqliteFraudCaseStore(bed.Bed.Database("cases.db"));
        // Review outcomes: B's payment declined and A's fourth refunded as fraud (both confirmed); A's second approved (not fraud);
        // C's declined case was opened before the period (not read).
        await CaseAsync(cases, data[3], FraudCaseStatus.Declined);
        await CaseAsync(cases, data[5], FraudCaseStatus.RefundedAsFraud);
        await CaseAsync(cases, data[2], FraudCaseStatus.Approved);
        await CaseAsync(cases, data[0], FraudCaseStatus.Declined);
        var backtest = new FraudBacktest(new ListHistory(data), cases, bed.Store, bed.Rules, bed.Lists, bed.Bed.Audit, bed.Bed.Clock);
        var reports = new List<BacktestProgress>();

        var result = (await backtest.RunAsync(FraudBed.Ada, 7, new SyncProgress(reports), Ct)).Value.ShouldNotBeNull();

        result.Payments.ShouldBe(5);
        // Live: A's first payment scores 15 (new device), then the device is known; the fourth trips card testing (40); B scores 15.
        result.Live.ShouldBe(new BacktestColumn(1, Blocked: 0, Held: 0, Passed: 5, BlockedDisputed: 0, HeldDisputed: 0, PassedDisputed: 2,
            BlockedConfirmed: 0, HeldConfirmed: 0, PassedConfirmed: 2));
        // Draft: a held payment teaches nothing, so A's device stays unknown (75, held) until card testing adds 85 and blocks the fourth.
        result.Draft.ShouldBe(new BacktestColumn(2, Blocked: 1, Held: 4, Passed: 0, BlockedDisputed: 1, HeldDisputed: 1, PassedDisputed: 0,
            BlockedConfirmed: 1, HeldConfirmed: 1, PassedConfirmed: 0));
        result.Live.Confirmed.ShouldBe(2);
        result.Changed.ShouldBe(5);
        reports.Last().Fraction.ShouldBe(1);
        (await bed.Bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.FraudRuleBacktested), Ct)).Events.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Success);
    }

    [Fact]
    public async Task Without_review_outcomes_nothing_is_confirmed()
    {
        var now = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        var rules = new ScoringRules(1, FraudRuleParameters.From(new FraudOptions()));
        var data = DataSet(now);

        var result = await FraudBacktest.ReplayAsync(new ListHistory(data), rules, rules, FraudListSnapshot.Empty, now.AddDays(-7), now, null, Ct,
            confirmedFraud: new HashSet<Guid> { data[0].Id, Guid.NewGuid() });

        result.Live.Confirmed.ShouldBe(0); // data[0] lies before the period
        result.Live.Disputed.ShouldBe(2);
    }

    private static Task<FraudCaseWriteOutcome> CaseAsync(SqliteFraudCaseStore store, ReplayPayment p, FraudCaseStatus status) =>
        store.CreateAsync(new FraudCase(Guid.CreateVersion7(p.CreatedAt), p.Id, p.MerchantId, p.Amount, "ngn", p.CustomerId, 75, [], status, null, null, [],
            p.CreatedAt, p.CreatedAt.AddHours(4), p.CreatedAt, null, 1), Ct);

    [Fact]
    public async Task Paging_does_not_change_the_figures()
    {
        var now = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        var rules = new ScoringRules(1, FraudRuleParameters.From(new FraudOptions()));
        var draft = new ScoringRules(2, FraudRuleParameters.From(new FraudOptions { CardTestingWeight = 85 }));
        var data = DataSet(now);
        var history = new ListHistory(data);

        var confirmed = new HashSet<Guid> { data[3].Id, data[5].Id };
        var whole = await FraudBacktest.ReplayAsync(new ListHistory(data), rules, draft, FraudListSnapshot.Empty, now.AddDays(-7), now, null, Ct,
            confirmedFraud: confirmed);
        var paged = await FraudBacktest.ReplayAsync(history, rules, draft, FraudListSnapshot.Empty, now.AddDays(-7), now, null, Ct, pageSize: 2,
            confirmedFraud: confirmed);

        paged.ShouldBe(whole);
        whole.Payments.ShouldBe(5);
        whole.Draft.Blocked.ShouldBe(1);
        whole.Draft.BlockedConfirmed.ShouldBe(1);
        history.LargestPage.ShouldBe(2);
    }

    [Fact]
    public async Task Only_admins_backtest_and_a_draft_is_needed()
    {
        await using var bed = await FraudBed.CreateAsync();
        var backtest = new FraudBacktest(new ListHistory([]), new SqliteFraudCaseStore(bed.Bed.Database("cases.db")), bed.Store, bed.Rules, bed.Lists, bed.Bed.Audit, bed.Bed.Clock);

        (await backtest.RunAsync(FraudBed.Compliance, 7, null, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        (await backtest.RunAsync(FraudBed.Merchant, 7, null, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        (await backtest.RunAsync(FraudBed.Ada, 7, null, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        (await backtest.RunAsync(FraudBed.Ada, 0, null, Ct)).Error.ShouldNotBeNull().Fields!.Keys.ShouldBe(["days"]);
    }

    /// <summary>Payments in memory, served as the stores serve them: [from, to), after the keyset, oldest first, a page at a time.</summary>
    private sealed class ListHistory(List<ReplayPayment> payments) : IPaymentHistory
    {
        public int LargestPage { get; private set; }

        public Task<IReadOnlyList<ReplayPayment>> ReadAsync(DateTimeOffset from, DateTimeOffset to, PaymentKeyset? after, int limit, CancellationToken cancellationToken)
        {
            var page = payments
                .Where(p => p.CreatedAt >= from && p.CreatedAt < to)
                .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id)
                .Where(p => after is null || p.CreatedAt > after.CreatedAt || (p.CreatedAt == after.CreatedAt && p.Id.CompareTo(after.Id) > 0))
                .Take(limit).ToList();
            LargestPage = Math.Max(LargestPage, page.Count);
            return Task.FromResult<IReadOnlyList<ReplayPayment>>(page);
        }
    }

    private sealed class SyncProgress(List<BacktestProgress> reports) : IProgress<BacktestProgress>
    {
        public void Report(BacktestProgress value) => reports.Add(value);
    }
}
