using Portal.Core.Fraud.Review;
using Portal.Core.Payments;

namespace Portal.Tests.Contract;

/// <summary>
/// What every <see cref="IFraudCaseStore"/> must do. Each adapter's test class derives from this and supplies a fresh,
/// empty store per test (<see cref="CreateStoreAsync"/>).
/// </summary>
public abstract class FraudCaseStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 1, 8, 0, 0, TimeSpan.Zero);

    protected abstract Task<IFraudCaseStore> CreateStoreAsync();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static FraudCase NewCase(DateTimeOffset? at = null, Guid? paymentId = null, FraudCaseStatus status = FraudCaseStatus.Open, int score = 75)
    {
        var created = at ?? T0;
        return new FraudCase(Guid.CreateVersion7(created), paymentId ?? Guid.CreateVersion7(created), Guid.NewGuid(), 12_500, "ngn", "cus_42", score,
            [new FraudFactor("velocity", 30, "6 payments within 5 minutes."), new FraudFactor("country_mismatch", 20, "Country GH differs from the customer's usual NG.")],
            status, null, null, [], created, created.AddHours(4), created, null, 1);
    }

    protected static void ShouldMatch(FraudCase actual, FraudCase expected)
    {
        actual.ShouldBe(expected with { Factors = actual.Factors, Notes = actual.Notes });
        actual.Factors.ShouldBe(expected.Factors);
        actual.Notes.ShouldBe(expected.Notes);
    }

    [Fact]
    public async Task Create_then_get_returns_every_field()
    {
        var store = await CreateStoreAsync();
        var fraudCase = NewCase() with
        {
            Status = FraudCaseStatus.Escalated,
            AssigneeId = "user-1",
            AssigneeName = "Ada Admin",
            Notes = [new FraudCaseNote(T0.AddMinutes(3), "Ada Admin", "escalate", "Customer called; needs a second look.")],
            UpdatedBy = "Ada Admin",
        };

        (await store.CreateAsync(fraudCase, Ct)).ShouldBe(FraudCaseWriteOutcome.Done);

        ShouldMatch((await store.GetAsync(fraudCase.Id, Ct)).ShouldNotBeNull(), fraudCase);
        ShouldMatch((await store.GetByPaymentAsync(fraudCase.PaymentId, Ct)).ShouldNotBeNull(), fraudCase);
    }

    [Fact]
    public async Task Unknown_ids_are_null()
    {
        var store = await CreateStoreAsync();
        (await store.GetAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
        (await store.GetByPaymentAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_payment_gets_one_case_only()
    {
        var store = await CreateStoreAsync();
        var first = NewCase();
        await store.CreateAsync(first, Ct);
        var second = NewCase(paymentId: first.PaymentId);

        (await store.CreateAsync(second, Ct)).ShouldBe(FraudCaseWriteOutcome.Duplicate);

        (await store.GetAsync(second.Id, Ct)).ShouldBeNull();
        (await store.GetByPaymentAsync(first.PaymentId, Ct)).ShouldNotBeNull().Id.ShouldBe(first.Id);
    }

    [Fact]
    public async Task Twenty_concurrent_creates_for_one_payment_make_exactly_one_case()
    {
        var store = await CreateStoreAsync();
        var paymentId = Guid.CreateVersion7();
        var cases = Enumerable.Range(0, 20).Select(_ => NewCase(paymentId: paymentId)).ToList();

        var outcomes = await Task.WhenAll(cases.Select(c => Task.Run(() => store.CreateAsync(c, Ct), Ct)));

        outcomes.Count(o => o == FraudCaseWriteOutcome.Done).ShouldBe(1);
        var winner = cases[Array.IndexOf(outcomes, FraudCaseWriteOutcome.Done)];
        (await store.GetByPaymentAsync(paymentId, Ct)).ShouldNotBeNull().Id.ShouldBe(winner.Id);
        (await store.ListByStatusAsync(FraudCaseStatus.Open, 100, Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Update_at_the_expected_version_replaces_the_case()
    {
        var store = await CreateStoreAsync();
        var fraudCase = NewCase();
        await store.CreateAsync(fraudCase, Ct);
        var claimed = fraudCase with
        {
            Status = FraudCaseStatus.Claimed,
            AssigneeId = "user-2",
            AssigneeName = "Bo Admin",
            UpdatedAt = T0.AddMinutes(1),
            UpdatedBy = "Bo Admin",
            Version = 2,
            Notes = [new FraudCaseNote(T0.AddMinutes(1), "Bo Admin", "claim", "mine")],
        };

        (await store.UpdateAsync(claimed, 1, Ct)).ShouldBe(FraudCaseWriteOutcome.Done);

        ShouldMatch((await store.GetAsync(fraudCase.Id, Ct)).ShouldNotBeNull(), claimed);
    }

    [Fact]
    public async Task A_stale_version_or_unknown_case_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var fraudCase = NewCase();
        await store.CreateAsync(fraudCase, Ct);
        await store.UpdateAsync(fraudCase with { Status = FraudCaseStatus.Claimed, AssigneeId = "a", Version = 2 }, 1, Ct);

        (await store.UpdateAsync(fraudCase with { Status = FraudCaseStatus.Declined, Version = 2 }, 1, Ct)).ShouldBe(FraudCaseWriteOutcome.VersionConflict);
        (await store.UpdateAsync(NewCase() with { Version = 2 }, 1, Ct)).ShouldBe(FraudCaseWriteOutcome.NotFound);

        var stored = (await store.GetAsync(fraudCase.Id, Ct)).ShouldNotBeNull();
        stored.Status.ShouldBe(FraudCaseStatus.Claimed);
        stored.Version.ShouldBe(2);
    }

    [Fact]
    public async Task Of_concurrent_updates_at_one_version_exactly_one_wins()
    {
        var store = await CreateStoreAsync();
        var fraudCase = NewCase();
        await store.CreateAsync(fraudCase, Ct);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            store.UpdateAsync(fraudCase with { Status = FraudCaseStatus.Claimed, AssigneeId = $"user-{i}", Version = 2 }, 1, Ct), Ct)));

        outcomes.Count(o => o == FraudCaseWriteOutcome.Done).ShouldBe(1);
        outcomes.Count(o => o == FraudCaseWriteOutcome.VersionConflict).ShouldBe(9);
        (await store.GetAsync(fraudCase.Id, Ct)).ShouldNotBeNull().AssigneeId.ShouldBe($"user-{Array.IndexOf(outcomes, FraudCaseWriteOutcome.Done)}");
    }

    [Fact]
    public async Task Listing_by_status_is_newest_first_limited_and_follows_status_changes()
    {
        var store = await CreateStoreAsync();
        var open = Enumerable.Range(0, 5).Select(i => NewCase(T0.AddMinutes(i))).ToList();
        foreach (var c in open)
        {
            await store.CreateAsync(c, Ct);
        }

        var escalated = NewCase(T0.AddMinutes(10), status: FraudCaseStatus.Escalated);
        await store.CreateAsync(escalated, Ct);

        (await store.ListByStatusAsync(FraudCaseStatus.Open, 3, Ct)).Select(c => c.Id).ShouldBe(open.AsEnumerable().Reverse().Take(3).Select(c => c.Id));
        (await store.ListByStatusAsync(FraudCaseStatus.Escalated, 10, Ct)).Select(c => c.Id).ShouldBe([escalated.Id]);

        await store.UpdateAsync(open[4] with { Status = FraudCaseStatus.Approved, Version = 2 }, 1, Ct);

        (await store.ListByStatusAsync(FraudCaseStatus.Open, 10, Ct)).Select(c => c.Id).ShouldBe(open.Take(4).Reverse().Select(c => c.Id));
        (await store.ListByStatusAsync(FraudCaseStatus.Approved, 10, Ct)).Select(c => c.Id).ShouldBe([open[4].Id]);
        (await store.ListByStatusAsync(FraudCaseStatus.Declined, 10, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Confirmed_fraud_outcomes_are_the_declined_and_refunded_cases_opened_since_the_start()
    {
        var store = await CreateStoreAsync();
        var before = NewCase(T0.AddMinutes(-1), status: FraudCaseStatus.Declined);
        var declined = NewCase(T0, status: FraudCaseStatus.Declined);
        var sameTick = NewCase(T0, status: FraudCaseStatus.Declined);
        var refunded = NewCase(T0.AddDays(2), status: FraudCaseStatus.RefundedAsFraud);
        var approved = NewCase(T0.AddMinutes(1), status: FraudCaseStatus.Approved);
        var open = NewCase(T0.AddMinutes(2));
        var decidedLater = NewCase(T0.AddMinutes(3), status: FraudCaseStatus.Claimed);
        foreach (var c in new[] { before, declined, sameTick, refunded, approved, open, decidedLater })
        {
            (await store.CreateAsync(c, Ct)).ShouldBe(FraudCaseWriteOutcome.Done);
        }

        (await store.UpdateAsync(decidedLater with { Status = FraudCaseStatus.Declined, Version = 2 }, 1, Ct)).ShouldBe(FraudCaseWriteOutcome.Done);

        var confirmed = new List<Guid>();
        await foreach (var paymentId in store.ConfirmedFraudPaymentsAsync(T0, Ct))
        {
            confirmed.Add(paymentId);
        }

        confirmed.Order().ShouldBe(new[] { declined.PaymentId, sameTick.PaymentId, refunded.PaymentId, decidedLater.PaymentId }.Order());

        var fromLater = new List<Guid>();
        await foreach (var paymentId in store.ConfirmedFraudPaymentsAsync(T0.AddDays(1), Ct))
        {
            fromLater.Add(paymentId);
        }

        fromLater.ShouldBe([refunded.PaymentId]);
    }
}
