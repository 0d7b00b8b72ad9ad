using Microsoft.Extensions.Time.Testing;
using Portal.Core.Payments;

namespace Portal.Tests.Contract;

/// <summary>
/// What every <see cref="IPaymentStore"/> (and the <see cref="IEventOutbox"/> the same object implements) must do. Each
/// adapter's test class derives from this and supplies a fresh, empty store per test that reads its clock from the given
/// <see cref="TimeProvider"/> (a fake clock starting at <see cref="T0"/>, which tests advance to let idempotency records expire).
/// Timestamps are fixed and far in the future of the wall clock, so no emulator's TTL sweeper interferes.
/// </summary>
public abstract class PaymentStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2031, 3, 1, 8, 0, 0, TimeSpan.Zero);

    protected const string PaymentsScope = "payments";
    protected const string RefundsScope = "refunds";

    protected FakeTimeProvider Clock { get; } = new(T0);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh, empty store whose every clock read (idempotency expiry) goes through <paramref name="time"/>.</summary>
    protected abstract Task<IPaymentStore> CreateStoreAsync(TimeProvider time);

    protected Task<IPaymentStore> NewStoreAsync() => CreateStoreAsync(Clock);

    protected static IEventOutbox Outbox(IPaymentStore store) => store.ShouldBeAssignableTo<IEventOutbox>()!;

    protected static Payment NewPayment(Guid merchantId, DateTimeOffset createdAt, string customerId = "cus_1", long amount = 5_000,
        PaymentStatus status = PaymentStatus.Pending, string? key = null) =>
        new(Guid.CreateVersion7(createdAt), merchantId, amount, "ngn", customerId, "pm_tok_visa", null, null, null, null, new Dictionary<string, string>(),
            status, null, null, false, 0, [], null, null, 0, key ?? "key-" + Guid.NewGuid().ToString("N"), createdAt, createdAt, 1);

    protected static IdempotencyRecord Pending(Payment payment, string? key = null, string scope = PaymentsScope) =>
        new(payment.MerchantId, key ?? payment.IdempotencyKey, scope, "sha256-" + payment.Id.ToString("N"), payment.Id, IdempotentOutcome.Pending, null, payment.CreatedAt, payment.CreatedAt.AddHours(24));

    protected static PaymentEvent Event(Payment payment, string type, DateTimeOffset at) =>
        new(Guid.CreateVersion7(at), payment.MerchantId, type, payment.Id, $$"""{"id":"{{payment.DisplayId}}","type":"{{type}}"}""", at);

    protected static PaymentActivity ActivityOf(Payment payment) =>
        new(payment.MerchantId, payment.CustomerId, payment.Amount, payment.DeviceId, payment.Country, payment.CreatedAt);

    protected static PaymentOutcomeCount CountOf(Payment payment, DateTimeOffset at) =>
        new(payment.MerchantId, at, payment.Status, payment.FailureCode, payment.Currency, payment.Amount);

    /// <summary>What the payments service writes for a new payment: every part of a <see cref="PaymentWrite"/> but the update ones.</summary>
    protected static PaymentWrite Initiate(Payment payment) => new()
    {
        NewIdempotency = Pending(payment),
        NewPayment = payment,
        Activity = ActivityOf(payment),
        Count = CountOf(payment, payment.CreatedAt),
        Events = [Event(payment, PaymentEventTypes.Initiated, payment.CreatedAt)],
    };

    protected static Payment Succeed(Payment payment, DateTimeOffset at, string reference = "ch_1") => payment with
    {
        Status = PaymentStatus.Succeeded,
        Processor = "mockpay",
        ProcessorReference = reference,
        UpdatedAt = at,
        Version = payment.Version + 1,
    };

    protected static PaymentWrite Update(Payment before, Payment after, params PaymentEvent[] events) => new()
    {
        UpdatedPayment = after,
        ExpectedVersion = before.Version,
        Count = CountOf(after, after.UpdatedAt),
        Events = events,
    };

    protected static async Task WriteOkAsync(IPaymentStore store, PaymentWrite write) =>
        (await store.WriteAsync(write, Ct)).ShouldBe(PaymentWriteResult.Ok);

    protected static void ShouldMatch(Payment? actual, Payment expected)
    {
        actual.ShouldNotBeNull();
        (actual with { Metadata = expected.Metadata, FraudFactors = expected.FraudFactors }).ShouldBe(expected);
        actual.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).ShouldBe(expected.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal));
        actual.FraudFactors.ShouldBe(expected.FraudFactors);
    }

    protected static void ShouldMatch(CustomerProfile? actual, CustomerProfile expected)
    {
        actual.ShouldNotBeNull();
        (actual.MerchantId, actual.CustomerId, actual.PaymentCount, actual.TotalAmount).ShouldBe((expected.MerchantId, expected.CustomerId, expected.PaymentCount, expected.TotalAmount));
        actual.KnownDevices.ShouldBe(expected.KnownDevices);
        actual.Countries.OrderBy(c => c.Key, StringComparer.Ordinal).ShouldBe(expected.Countries.OrderBy(c => c.Key, StringComparer.Ordinal));
        actual.Recent.ShouldBe(expected.Recent);
    }

    /// <summary>The order every listing promises: newest first, equal creation times by id, highest first.</summary>
    protected static List<Guid> NewestFirst(IEnumerable<Payment> payments) =>
        payments.OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id).Select(p => p.Id).ToList();

    protected static async Task<List<Guid>> ReadAllAsync(IPaymentStore store, PaymentListQuery query)
    {
        var seen = new List<Guid>();
        var after = default(PaymentKeyset);
        for (var pages = 0; pages < 50; pages++)
        {
            var page = await store.ListAsync(query with { After = after }, Ct);
            page.Items.Count.ShouldBeLessThanOrEqualTo(query.Limit);
            seen.AddRange(page.Items.Select(p => p.Id));
            after = page.Next;
            if (after is null)
            {
                return seen;
            }

            page.Items.Count.ShouldBe(query.Limit, customMessage: "a page with a next page is full");
        }

        throw new ShouldAssertException("paging did not end");
    }

    // ---- one atomic write -------------------------------------------------------------------------------------------

    [Fact]
    public async Task An_event_appended_again_is_stored_once_and_the_rest_of_the_write_still_applies()
    {
        var store = await NewStoreAsync();
        var payment = NewPayment(Guid.CreateVersion7(), T0);
        var initiate = Initiate(payment);
        await WriteOkAsync(store, initiate);
        var again = initiate.Events[0];
        var succeeded = Succeed(payment, T0.AddSeconds(1));
        var fresh = Event(payment, PaymentEventTypes.Succeeded, T0.AddSeconds(1));

        await WriteOkAsync(store, new PaymentWrite { Events = [again] });
        await WriteOkAsync(store, Update(payment, succeeded, again, fresh));

        (await Outbox(store).ForPaymentAsync(payment.Id, Ct)).ShouldBe([again, fresh]);
        ShouldMatch(await store.GetAsync(payment.Id, Ct), succeeded);
    }

    [Fact]
    public async Task A_payment_keeps_the_rule_version_that_scored_it()
    {
        var store = await NewStoreAsync();
        var scored = NewPayment(Guid.CreateVersion7(), T0) with { RuleVersion = 7 };
        var unversioned = NewPayment(Guid.CreateVersion7(), T0);
        await WriteOkAsync(store, Initiate(scored));
        await WriteOkAsync(store, Initiate(unversioned));

        (await store.GetAsync(scored.Id, Ct)).ShouldNotBeNull().RuleVersion.ShouldBe(7);
        (await store.GetAsync(unversioned.Id, Ct)).ShouldNotBeNull().RuleVersion.ShouldBeNull();
        var succeeded = Succeed(scored, T0.AddSeconds(1));
        await WriteOkAsync(store, Update(scored, succeeded));
        (await store.GetAsync(scored.Id, Ct)).ShouldNotBeNull().RuleVersion.ShouldBe(7);
    }

    [Fact]
    public async Task Write_commits_idempotency_payment_profile_counters_and_events_together()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var payment = NewPayment(merchant, T0.AddSeconds(7)) with { DeviceId = "dev_1", Country = "NG" };
        var write = Initiate(payment);

        await WriteOkAsync(store, write);

        ShouldMatch(await store.GetAsync(payment.Id, Ct), payment);
        (await store.GetIdempotencyAsync(merchant, PaymentsScope, payment.IdempotencyKey, Ct)).ShouldBe(write.NewIdempotency);
        ShouldMatch(await store.GetCustomerAsync(merchant, "cus_1", Ct), CustomerProfile.Empty(merchant, "cus_1").With(write.Activity!));
        (await store.StatsAsync(merchant, T0, T0.AddMinutes(1), Ct)).ShouldBe([new PaymentStatsBucket(T0, PaymentStatus.Pending, null, "ngn", 1, 5_000)]);
        (await Outbox(store).ForPaymentAsync(payment.Id, Ct)).ShouldBe(write.Events);
        (await Outbox(store).PendingAsync(10, Ct)).ShouldBe(write.Events);
        (await Outbox(store).GetEventAsync(write.Events[0].Id, Ct)).ShouldBe(write.Events[0]);
    }

    [Fact]
    public async Task Payment_round_trips_every_field()
    {
        var store = await NewStoreAsync();
        var at = T0.AddTicks(1_234_567); // sub-millisecond: the store keeps full precision
        var payment = new Payment(Guid.CreateVersion7(at), Guid.CreateVersion7(), 123_456_789_012, "usd", "cus_ü#1", "pm_tok_mastercard", "order-77", "dev_9",
            "203.0.113.9", "GH", new Dictionary<string, string> { ["cart"] = "42", ["note"] = "", ["emoji"] = "☕ #1" }, PaymentStatus.Failed, "card_declined",
            "The card was declined.", true, 73, [new FraudFactor("velocity", 40, "5 payments in 10 minutes"), new FraudFactor("new_device", 33, "")], "mockpay",
            "ch_77", 0, "key-77", at, at.AddSeconds(3), 4);

        await WriteOkAsync(store, Initiate(payment));

        ShouldMatch(await store.GetAsync(payment.Id, Ct), payment);
    }

    [Fact]
    public async Task Payment_round_trips_empty_collections_and_null_fields()
    {
        var store = await NewStoreAsync();
        var payment = NewPayment(Guid.CreateVersion7(), T0) with { Status = PaymentStatus.HeldForReview, RefundedAmount = 0 };

        await WriteOkAsync(store, Initiate(payment));

        var stored = await store.GetAsync(payment.Id, Ct);
        ShouldMatch(stored, payment);
        stored!.Metadata.ShouldBeEmpty();
        stored.FraudFactors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Lookups_of_unknown_things_are_null_or_empty()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();

        (await store.GetAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
        (await store.GetByProcessorReferenceAsync("ch_unknown", Ct)).ShouldBeNull();
        (await store.GetIdempotencyAsync(merchant, PaymentsScope, "unknown", Ct)).ShouldBeNull();
        (await store.GetCustomerAsync(merchant, "cus_unknown", Ct)).ShouldBeNull();
        (await store.RefundsAsync(Guid.NewGuid(), Ct)).ShouldBeEmpty();
        (await store.ListAsync(new PaymentListQuery(merchant), Ct)).ShouldSatisfyAllConditions(p => p.Items.ShouldBeEmpty(), p => p.Next.ShouldBeNull());
        (await store.StatsAsync(null, T0, T0.AddHours(1), Ct)).ShouldBeEmpty();
        (await Outbox(store).GetEventAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
        (await Outbox(store).ForPaymentAsync(Guid.NewGuid(), Ct)).ShouldBeEmpty();
        (await Outbox(store).PendingAsync(10, Ct)).ShouldBeEmpty();
    }

    // ---- idempotency ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Write_with_taken_idempotency_key_returns_the_stored_record_and_writes_nothing()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var first = NewPayment(merchant, T0, key: "order-1") with { DeviceId = "dev_1", Country = "NG" };
        await WriteOkAsync(store, Initiate(first));
        var second = NewPayment(merchant, T0.AddSeconds(5), amount: 7_000, status: PaymentStatus.Failed, key: "order-1") with { DeviceId = "dev_2", Country = "GH" };
        var replay = Initiate(second);

        var result = await store.WriteAsync(replay, Ct);

        result.Status.ShouldBe(PaymentWriteStatus.IdempotencyKeyExists);
        result.Existing.ShouldBe(Pending(first, "order-1"));
        (await store.GetAsync(second.Id, Ct)).ShouldBeNull();
        (await store.GetIdempotencyAsync(merchant, PaymentsScope, "order-1", Ct)).ShouldBe(Pending(first, "order-1"));
        ShouldMatch(await store.GetCustomerAsync(merchant, "cus_1", Ct), CustomerProfile.Empty(merchant, "cus_1").With(ActivityOf(first)));
        (await store.StatsAsync(merchant, T0, T0.AddMinutes(1), Ct)).ShouldBe([new PaymentStatsBucket(T0, PaymentStatus.Pending, null, "ngn", 1, 5_000)]);
        (await store.StatsAsync(null, T0, T0.AddMinutes(1), Ct)).ShouldBe([new PaymentStatsBucket(T0, PaymentStatus.Pending, null, "ngn", 1, 5_000)]);
        (await Outbox(store).ForPaymentAsync(second.Id, Ct)).ShouldBeEmpty();
        (await Outbox(store).GetEventAsync(replay.Events[0].Id, Ct)).ShouldBeNull();
        (await Outbox(store).PendingAsync(10, Ct)).Select(e => e.PaymentId).ShouldBe([first.Id]);
        (await store.ListAsync(new PaymentListQuery(merchant), Ct)).Items.Select(p => p.Id).ShouldBe([first.Id]);
    }

    [Fact]
    public async Task The_same_key_for_another_merchant_or_another_scope_is_a_new_record()
    {
        var store = await NewStoreAsync();
        var merchantA = Guid.CreateVersion7();
        var merchantB = Guid.CreateVersion7();
        var a = NewPayment(merchantA, T0, key: "shared-key");
        var b = NewPayment(merchantB, T0.AddSeconds(1), key: "shared-key");
        await WriteOkAsync(store, Initiate(a));

        await WriteOkAsync(store, Initiate(b));
        var refundRecord = Pending(a, "shared-key", RefundsScope) with { ResourceId = Guid.CreateVersion7(), RequestHash = "sha256-refund" };
        await WriteOkAsync(store, new PaymentWrite { NewIdempotency = refundRecord });

        (await store.GetIdempotencyAsync(merchantA, PaymentsScope, "shared-key", Ct)).ShouldBe(Pending(a, "shared-key"));
        (await store.GetIdempotencyAsync(merchantB, PaymentsScope, "shared-key", Ct)).ShouldBe(Pending(b, "shared-key"));
        (await store.GetIdempotencyAsync(merchantA, RefundsScope, "shared-key", Ct)).ShouldBe(refundRecord);
        (await store.GetIdempotencyAsync(merchantB, RefundsScope, "shared-key", Ct)).ShouldBeNull();
        ShouldMatch(await store.GetAsync(b.Id, Ct), b);
    }

    [Fact]
    public async Task An_expired_record_is_null_and_its_key_can_be_used_again()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var first = NewPayment(merchant, T0, key: "daily");
        await WriteOkAsync(store, Initiate(first));
        (await store.GetIdempotencyAsync(merchant, PaymentsScope, "daily", Ct)).ShouldNotBeNull();

        Clock.Advance(TimeSpan.FromHours(25));
        (await store.GetIdempotencyAsync(merchant, PaymentsScope, "daily", Ct)).ShouldBeNull();
        var second = NewPayment(merchant, T0.AddHours(25), key: "daily");

        await WriteOkAsync(store, Initiate(second));

        (await store.GetIdempotencyAsync(merchant, PaymentsScope, "daily", Ct)).ShouldBe(Pending(second, "daily"));
        ShouldMatch(await store.GetAsync(second.Id, Ct), second);
        ShouldMatch(await store.GetAsync(first.Id, Ct), first);
    }

    [Fact]
    public async Task A_record_whose_expiry_has_passed_is_absent_even_before_the_clock_moves()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var stale = new IdempotencyRecord(merchant, "old", PaymentsScope, "sha256-old", Guid.CreateVersion7(), IdempotentOutcome.PaymentCreated, "{}", T0.AddHours(-30), T0.AddHours(-6));
        await WriteOkAsync(store, new PaymentWrite { NewIdempotency = stale });

        (await store.GetIdempotencyAsync(merchant, PaymentsScope, "old", Ct)).ShouldBeNull();
        var payment = NewPayment(merchant, T0, key: "old");
        await WriteOkAsync(store, Initiate(payment));

        (await store.GetIdempotencyAsync(merchant, PaymentsScope, "old", Ct)).ShouldBe(Pending(payment, "old"));
    }

    [Fact]
    public async Task A_completed_record_replaces_the_pending_one()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var payment = NewPayment(merchant, T0);
        await WriteOkAsync(store, Initiate(payment));
        var succeeded = Succeed(payment, T0.AddSeconds(2));
        var completed = Pending(payment) with { Outcome = IdempotentOutcome.PaymentCreated, Snapshot = $$"""{"id":"{{payment.DisplayId}}","status":"succeeded"}""" };

        await WriteOkAsync(store, Update(payment, succeeded, Event(succeeded, PaymentEventTypes.Succeeded, succeeded.UpdatedAt)) with { CompletedIdempotency = completed });

        var stored = await store.GetIdempotencyAsync(merchant, PaymentsScope, payment.IdempotencyKey, Ct);
        stored.ShouldBe(completed);
        stored!.Completed.ShouldBeTrue();
        ShouldMatch(await store.GetAsync(payment.Id, Ct), succeeded);

        // The completed record still guards its key.
        var again = NewPayment(merchant, T0.AddSeconds(3), key: payment.IdempotencyKey);
        var result = await store.WriteAsync(Initiate(again), Ct);
        result.Status.ShouldBe(PaymentWriteStatus.IdempotencyKeyExists);
        result.Existing.ShouldBe(completed);
    }

    [Fact]
    public async Task Twenty_concurrent_writes_with_one_new_idempotency_key_make_exactly_one_payment()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var payments = Enumerable.Range(0, 20).Select(i => NewPayment(merchant, T0.AddMilliseconds(i), key: "race")).ToList();
        var writes = payments.Select(Initiate).ToList();

        var results = await Task.WhenAll(writes.Select(w => Task.Run(() => store.WriteAsync(w, Ct), Ct)));

        results.Count(r => r.Status == PaymentWriteStatus.Ok).ShouldBe(1);
        var winner = payments[Array.FindIndex(results, r => r.Status == PaymentWriteStatus.Ok)];
        results.Where(r => r.Status != PaymentWriteStatus.Ok).ShouldAllBe(r => r.Status == PaymentWriteStatus.IdempotencyKeyExists && r.Existing!.ResourceId == winner.Id);
        (await ReadAllAsync(store, new PaymentListQuery(merchant, Limit: 50))).ShouldBe([winner.Id]);
        (await store.GetCustomerAsync(merchant, "cus_1", Ct))!.PaymentCount.ShouldBe(1);
        (await store.StatsAsync(merchant, T0, T0.AddMinutes(1), Ct)).Sum(b => b.Count).ShouldBe(1);
        (await Outbox(store).PendingAsync(50, Ct)).Select(e => e.PaymentId).ShouldBe([winner.Id]);
    }

    // ---- versions ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Update_with_the_current_version_applies_refund_events_and_counters()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var payment = NewPayment(merchant, T0);
        await WriteOkAsync(store, Initiate(payment));
        var succeeded = Succeed(payment, T0.AddSeconds(1));
        await WriteOkAsync(store, Update(payment, succeeded));
        var refunded = succeeded with { Status = PaymentStatus.PartiallyRefunded, RefundedAmount = 1_500, UpdatedAt = T0.AddMinutes(5), Version = 3 };
        var refund = new Refund(Guid.CreateVersion7(T0.AddMinutes(5)), payment.Id, merchant, 1_500, "ngn", "requested_by_customer", "re_ch_1", T0.AddMinutes(5));
        var refundKey = new IdempotencyRecord(merchant, "refund-1", RefundsScope, "sha256-r1", refund.Id, IdempotentOutcome.RefundCreated, "{}", refund.CreatedAt, refund.CreatedAt.AddHours(24));

        await WriteOkAsync(store, Update(succeeded, refunded, Event(refunded, PaymentEventTypes.Refunded, refunded.UpdatedAt)) with { NewRefund = refund, NewIdempotency = refundKey });

        ShouldMatch(await store.GetAsync(payment.Id, Ct), refunded);
        (await store.RefundsAsync(payment.Id, Ct)).ShouldBe([refund]);
        (await store.GetIdempotencyAsync(merchant, RefundsScope, "refund-1", Ct)).ShouldBe(refundKey);
        (await Outbox(store).ForPaymentAsync(payment.Id, Ct)).Select(e => e.Type).ShouldBe([PaymentEventTypes.Initiated, PaymentEventTypes.Refunded]);
        (await store.StatsAsync(merchant, T0.AddMinutes(5), T0.AddMinutes(6), Ct))
            .ShouldBe([new PaymentStatsBucket(T0.AddMinutes(5), PaymentStatus.PartiallyRefunded, null, "ngn", 1, 5_000)]);
    }

    [Fact]
    public async Task Update_with_a_stale_version_is_a_conflict_and_writes_nothing()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var payment = NewPayment(merchant, T0);
        await WriteOkAsync(store, Initiate(payment));
        var succeeded = Succeed(payment, T0.AddSeconds(1));
        await WriteOkAsync(store, Update(payment, succeeded));
        var staleRefunded = payment with { Status = PaymentStatus.Refunded, RefundedAmount = 5_000, UpdatedAt = T0.AddMinutes(3), Version = 2 };
        var refund = new Refund(Guid.CreateVersion7(T0.AddMinutes(3)), payment.Id, merchant, 5_000, "ngn", null, null, T0.AddMinutes(3));
        var refundKey = new IdempotencyRecord(merchant, "refund-1", RefundsScope, "sha256-r1", refund.Id, IdempotentOutcome.Pending, null, refund.CreatedAt, refund.CreatedAt.AddHours(24));
        var refundedEvent = Event(staleRefunded, PaymentEventTypes.Refunded, staleRefunded.UpdatedAt);
        var stale = Update(payment, staleRefunded, refundedEvent) with
        {
            NewRefund = refund,
            NewIdempotency = refundKey,
            CompletedIdempotency = Pending(payment) with { Outcome = IdempotentOutcome.PaymentCreated, Snapshot = "{}" },
            Activity = ActivityOf(payment),
        };

        (await store.WriteAsync(stale, Ct)).ShouldBe(new PaymentWriteResult(PaymentWriteStatus.VersionConflict));

        ShouldMatch(await store.GetAsync(payment.Id, Ct), succeeded);
        (await store.RefundsAsync(payment.Id, Ct)).ShouldBeEmpty();
        (await store.GetIdempotencyAsync(merchant, RefundsScope, "refund-1", Ct)).ShouldBeNull();
        (await store.GetIdempotencyAsync(merchant, PaymentsScope, payment.IdempotencyKey, Ct)).ShouldBe(Pending(payment));
        (await store.GetCustomerAsync(merchant, "cus_1", Ct))!.PaymentCount.ShouldBe(1);
        (await Outbox(store).GetEventAsync(refundedEvent.Id, Ct)).ShouldBeNull();
        (await Outbox(store).ForPaymentAsync(payment.Id, Ct)).Select(e => e.Type).ShouldBe([PaymentEventTypes.Initiated]);
        (await store.StatsAsync(merchant, T0, T0.AddHours(1), Ct)).Select(b => b.Status).ShouldBe([PaymentStatus.Pending, PaymentStatus.Succeeded], ignoreOrder: true);

        // Nothing of the refused write holds its idempotency key.
        var retried = Update(succeeded, staleRefunded with { Version = 3 }) with { NewRefund = refund, NewIdempotency = refundKey };
        await WriteOkAsync(store, retried);
        (await store.RefundsAsync(payment.Id, Ct)).ShouldBe([refund]);
    }

    [Fact]
    public async Task Update_of_an_unknown_payment_is_a_version_conflict()
    {
        var store = await NewStoreAsync();
        var payment = NewPayment(Guid.CreateVersion7(), T0);

        (await store.WriteAsync(Update(payment, Succeed(payment, T0.AddSeconds(1))), Ct)).Status.ShouldBe(PaymentWriteStatus.VersionConflict);

        (await store.GetAsync(payment.Id, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task The_processor_reference_finds_the_payment_once_an_update_set_it()
    {
        var store = await NewStoreAsync();
        var payment = NewPayment(Guid.CreateVersion7(), T0);
        await WriteOkAsync(store, Initiate(payment));
        (await store.GetByProcessorReferenceAsync("ch_abc", Ct)).ShouldBeNull();
        var succeeded = Succeed(payment, T0.AddSeconds(1), "ch_abc");

        await WriteOkAsync(store, Update(payment, succeeded));

        ShouldMatch(await store.GetByProcessorReferenceAsync("ch_abc", Ct), succeeded);
        var moved = succeeded with { ProcessorReference = "ch_def", Version = 3 };
        await WriteOkAsync(store, Update(succeeded, moved));
        ShouldMatch(await store.GetByProcessorReferenceAsync("ch_def", Ct), moved);
        (await store.GetByProcessorReferenceAsync("ch_abc", Ct)).ShouldBeNull();
    }

    // ---- customer profile -------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_customer_profile_is_folded_with_each_payment_activity()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var payments = new[]
        {
            NewPayment(merchant, T0, amount: 1_000) with { DeviceId = "dev_1", Country = "NG" },
            NewPayment(merchant, T0.AddMinutes(1), amount: 2_000) with { DeviceId = "dev_2", Country = "GH" },
            NewPayment(merchant, T0.AddMinutes(2), amount: 4_000) with { DeviceId = "dev_1", Country = "NG" },
            NewPayment(merchant, T0.AddMinutes(3), amount: 8_000),
        };
        foreach (var p in payments)
        {
            await WriteOkAsync(store, Initiate(p));
        }

        var other = NewPayment(Guid.CreateVersion7(), T0, amount: 99);
        await WriteOkAsync(store, Initiate(other));

        var expected = payments.Aggregate(CustomerProfile.Empty(merchant, "cus_1"), (profile, p) => profile.With(ActivityOf(p)));
        var stored = await store.GetCustomerAsync(merchant, "cus_1", Ct);
        ShouldMatch(stored, expected);
        stored!.UsualCountry.ShouldBe("NG");
        (await store.GetCustomerAsync(merchant, "cus_2", Ct)).ShouldBeNull();
        (await store.GetCustomerAsync(other.MerchantId, "cus_1", Ct))!.TotalAmount.ShouldBe(99);
    }

    [Fact]
    public async Task Twenty_concurrent_payments_for_one_customer_lose_no_profile_update()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var payments = Enumerable.Range(0, 20)
            .Select(i => NewPayment(merchant, T0.AddSeconds(i), amount: 100 * (i + 1)) with { DeviceId = $"dev_{i % 3}", Country = i % 2 == 0 ? "NG" : "GH" })
            .ToList();

        var results = await Task.WhenAll(payments.Select(p => Task.Run(() => store.WriteAsync(Initiate(p), Ct), Ct)));

        results.ShouldAllBe(r => r.Status == PaymentWriteStatus.Ok);
        var profile = (await store.GetCustomerAsync(merchant, "cus_1", Ct)).ShouldNotBeNull();
        profile.PaymentCount.ShouldBe(20);
        profile.TotalAmount.ShouldBe(payments.Sum(p => p.Amount));
        profile.KnownDevices.ShouldBe(["dev_0", "dev_1", "dev_2"], ignoreOrder: true);
        profile.Countries.OrderBy(c => c.Key, StringComparer.Ordinal).ShouldBe([KeyValuePair.Create("GH", 10L), KeyValuePair.Create("NG", 10L)]);
        profile.Recent.Select(r => r.Amount).ShouldBe(payments.Select(p => p.Amount), ignoreOrder: true);
        (await store.StatsAsync(merchant, T0, T0.AddMinutes(1), Ct)).ShouldBe([new PaymentStatsBucket(T0, PaymentStatus.Pending, null, "ngn", 20, payments.Sum(p => p.Amount))]);
        (await Outbox(store).PendingAsync(100, Ct)).Count.ShouldBe(20);
    }

    // ---- listing ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Listing_is_newest_first_and_pages_without_gaps_or_repeats()
    {
        var store = await NewStoreAsync();
        var merchantA = Guid.CreateVersion7();
        var merchantB = Guid.CreateVersion7();
        var payments = Enumerable.Range(0, 7).Select(i => NewPayment(merchantA, T0.AddMinutes(i))).ToList();
        payments.AddRange(Enumerable.Range(0, 4).Select(i => NewPayment(merchantB, T0.AddMinutes(i).AddSeconds(30))));
        // Equal creation times: the id decides (descending, as Guid.CompareTo orders them: the ordinal order of "N" strings).
        payments.AddRange(Enumerable.Range(0, 3).Select(_ => NewPayment(merchantA, T0.AddMinutes(3))));
        foreach (var p in payments.OrderBy(_ => Random.Shared.Next()))
        {
            await WriteOkAsync(store, Initiate(p));
        }

        (await ReadAllAsync(store, new PaymentListQuery(merchantA, Limit: 3))).ShouldBe(NewestFirst(payments.Where(p => p.MerchantId == merchantA)));
        (await ReadAllAsync(store, new PaymentListQuery(merchantB, Limit: 2))).ShouldBe(NewestFirst(payments.Where(p => p.MerchantId == merchantB)));
        (await ReadAllAsync(store, new PaymentListQuery(null, Limit: 4))).ShouldBe(NewestFirst(payments));
        (await ReadAllAsync(store, new PaymentListQuery(null, Limit: 14))).ShouldBe(NewestFirst(payments));

        var first = await store.ListAsync(new PaymentListQuery(merchantA, Limit: 2), Ct);
        ShouldMatch(first.Items[0], payments.Where(p => p.MerchantId == merchantA).MaxBy(p => p.CreatedAt)!);
        first.Next.ShouldBe(new PaymentKeyset(first.Items[1].CreatedAt, first.Items[1].Id));
    }

    [Fact]
    public async Task Listing_filters_by_merchant_status_and_customer()
    {
        var store = await NewStoreAsync();
        var merchantA = Guid.CreateVersion7();
        var merchantB = Guid.CreateVersion7();
        var statuses = new[] { PaymentStatus.Pending, PaymentStatus.Succeeded, PaymentStatus.Failed };
        var payments = new List<Payment>();
        for (var i = 0; i < 12; i++)
        {
            payments.Add(NewPayment(i % 4 == 3 ? merchantB : merchantA, T0.AddMinutes(i), customerId: i % 2 == 0 ? "cus_1" : "cus_2", status: statuses[i % 3]));
        }

        foreach (var p in payments)
        {
            await WriteOkAsync(store, Initiate(p));
        }

        // A status change moves a payment between status listings.
        var moved = payments[0];
        payments[0] = Succeed(moved, T0.AddHours(1));
        await WriteOkAsync(store, Update(moved, payments[0]));

        async Task Check(PaymentListQuery query, Func<Payment, bool> expected)
        {
            (await ReadAllAsync(store, query)).ShouldBe(NewestFirst(payments.Where(expected)), customMessage: query.ToString());
        }

        await Check(new PaymentListQuery(merchantA, Limit: 2), p => p.MerchantId == merchantA);
        await Check(new PaymentListQuery(merchantA, PaymentStatus.Succeeded, Limit: 2), p => p.MerchantId == merchantA && p.Status == PaymentStatus.Succeeded);
        await Check(new PaymentListQuery(merchantA, PaymentStatus.Pending, Limit: 1), p => p.MerchantId == merchantA && p.Status == PaymentStatus.Pending);
        await Check(new PaymentListQuery(merchantA, CustomerId: "cus_1", Limit: 2), p => p.MerchantId == merchantA && p.CustomerId == "cus_1");
        await Check(new PaymentListQuery(merchantA, PaymentStatus.Failed, "cus_2", Limit: 1),
            p => p.MerchantId == merchantA && p.Status == PaymentStatus.Failed && p.CustomerId == "cus_2");
        await Check(new PaymentListQuery(merchantB, CustomerId: "cus_2", Limit: 1), p => p.MerchantId == merchantB && p.CustomerId == "cus_2");
        await Check(new PaymentListQuery(null, PaymentStatus.Succeeded, Limit: 2), p => p.Status == PaymentStatus.Succeeded);
        await Check(new PaymentListQuery(null, CustomerId: "cus_1", Limit: 3), p => p.CustomerId == "cus_1");
        await Check(new PaymentListQuery(null, PaymentStatus.Failed, "cus_2", Limit: 1), p => p.Status == PaymentStatus.Failed && p.CustomerId == "cus_2");
        await Check(new PaymentListQuery(merchantB, PaymentStatus.Refunded), _ => false);
        await Check(new PaymentListQuery(Guid.CreateVersion7()), _ => false);
    }

    // ---- refunds and stats ------------------------------------------------------------------------------------------

    [Fact]
    public async Task Refunds_are_listed_oldest_first()
    {
        var store = await NewStoreAsync();
        var merchant = Guid.CreateVersion7();
        var payment = NewPayment(merchant, T0);
        await WriteOkAsync(store, Initiate(payment));
        var current = Succeed(payment, T0.AddSeconds(1));
        await WriteOkAsync(store, Update(payment, current));
        var later = new Refund(Guid.CreateVersion7(T0.AddMinutes(9)), payment.Id, merchant, 700, "ngn", "duplicate", "re_2", T0.AddMinutes(9));
        var earlier = new Refund(Guid.CreateVersion7(T0.AddMinutes(4)), payment.Id, merchant, 300, "ngn", null, null, T0.AddMinutes(4));
        var middle = new Refund(Guid.CreateVersion7(T0.AddMinutes(6)), payment.Id, merchant, 100, "ngn", "fraudulent", "re_3", T0.AddMinutes(6));

        foreach (var refund in new[] { later, earlier, middle })
        {
            var next = current with { Status = PaymentStatus.PartiallyRefunded, RefundedAmount = current.RefundedAmount + refund.Amount, UpdatedAt = refund.CreatedAt, Version = current.Version + 1 };
            await WriteOkAsync(store, Update(current, next) with { NewRefund = refund });
            current = next;
        }

        (await store.RefundsAsync(payment.Id, Ct)).ShouldBe([earlier, middle, later]);
        (await store.GetAsync(payment.Id, Ct))!.RefundedAmount.ShouldBe(1_100);
    }

    [Fact]
    public async Task Stats_sum_per_minute_status_reason_and_currency_within_from_to()
    {
        var store = await NewStoreAsync();
        var merchantA = Guid.CreateVersion7();
        var merchantB = Guid.CreateVersion7();
        var counts = new[]
        {
            new PaymentOutcomeCount(merchantA, T0.AddMinutes(-1).AddSeconds(59), PaymentStatus.Succeeded, null, "ngn", 1), // before from
            new PaymentOutcomeCount(merchantA, T0, PaymentStatus.Succeeded, null, "ngn", 100),
            new PaymentOutcomeCount(merchantA, T0.AddSeconds(59.9), PaymentStatus.Succeeded, null, "ngn", 200),
            new PaymentOutcomeCount(merchantA, T0.AddSeconds(20), PaymentStatus.Succeeded, null, "usd", 7),
            new PaymentOutcomeCount(merchantA, T0.AddSeconds(30), PaymentStatus.Failed, "card_declined", "ngn", 50),
            new PaymentOutcomeCount(merchantA, T0.AddSeconds(31), PaymentStatus.Failed, "insufficient_funds", "ngn", 60),
            new PaymentOutcomeCount(merchantA, T0.AddSeconds(32), PaymentStatus.Failed, "card_declined", "ngn", 70),
            new PaymentOutcomeCount(merchantA, T0.AddMinutes(1).AddSeconds(1), PaymentStatus.Succeeded, null, "ngn", 1_000),
            new PaymentOutcomeCount(merchantB, T0.AddSeconds(5), PaymentStatus.Succeeded, null, "ngn", 400),
            new PaymentOutcomeCount(merchantB, T0.AddSeconds(6), PaymentStatus.Failed, "card_declined", "ngn", 5),
            new PaymentOutcomeCount(merchantB, T0.AddMinutes(1).AddSeconds(2), PaymentStatus.Blocked, "fraud_blocked", "ngn", 9),
            new PaymentOutcomeCount(merchantB, T0.AddMinutes(2), PaymentStatus.Succeeded, null, "ngn", 3), // at to: excluded
        };
        foreach (var count in counts)
        {
            await WriteOkAsync(store, new PaymentWrite { Count = count });
        }

        static List<PaymentStatsBucket> Sorted(IEnumerable<PaymentStatsBucket> buckets) =>
            buckets.OrderBy(b => b.Minute).ThenBy(b => b.Status).ThenBy(b => b.Currency, StringComparer.Ordinal).ThenBy(b => b.Reason, StringComparer.Ordinal).ToList();

        var t1 = T0.AddMinutes(1);
        Sorted(await store.StatsAsync(merchantA, T0, T0.AddMinutes(2), Ct)).ShouldBe(
        [
            new(T0, PaymentStatus.Succeeded, null, "ngn", 2, 300),
            new(T0, PaymentStatus.Succeeded, null, "usd", 1, 7),
            new(T0, PaymentStatus.Failed, "card_declined", "ngn", 2, 120),
            new(T0, PaymentStatus.Failed, "insufficient_funds", "ngn", 1, 60),
            new(t1, PaymentStatus.Succeeded, null, "ngn", 1, 1_000),
        ]);
        Sorted(await store.StatsAsync(null, T0, T0.AddMinutes(2), Ct)).ShouldBe(
        [
            new(T0, PaymentStatus.Succeeded, null, "ngn", 3, 700),
            new(T0, PaymentStatus.Succeeded, null, "usd", 1, 7),
            new(T0, PaymentStatus.Failed, "card_declined", "ngn", 3, 125),
            new(T0, PaymentStatus.Failed, "insufficient_funds", "ngn", 1, 60),
            new(t1, PaymentStatus.Succeeded, null, "ngn", 1, 1_000),
            new(t1, PaymentStatus.Blocked, "fraud_blocked", "ngn", 1, 9),
        ]);
        Sorted(await store.StatsAsync(merchantB, t1, t1.AddMinutes(5), Ct)).ShouldBe(
        [
            new(t1, PaymentStatus.Blocked, "fraud_blocked", "ngn", 1, 9),
            new(T0.AddMinutes(2), PaymentStatus.Succeeded, null, "ngn", 1, 3),
        ]);
        (await store.StatsAsync(Guid.CreateVersion7(), T0, T0.AddMinutes(2), Ct)).ShouldBeEmpty();
    }

    // ---- outbox -----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Pending_events_are_oldest_first_until_marked_dispatched()
    {
        var store = await NewStoreAsync();
        var outbox = Outbox(store);
        var merchant = Guid.CreateVersion7();
        var payments = new[] { NewPayment(merchant, T0.AddMinutes(3)), NewPayment(Guid.CreateVersion7(), T0.AddMinutes(1)), NewPayment(merchant, T0.AddMinutes(2)) };
        var events = new List<PaymentEvent>();
        foreach (var p in payments)
        {
            var write = Initiate(p);
            events.AddRange(write.Events);
            await WriteOkAsync(store, write);
        }

        var oldestFirst = events.OrderBy(e => e.CreatedAt).ToList();
        (await outbox.PendingAsync(10, Ct)).ShouldBe(oldestFirst);
        (await outbox.PendingAsync(2, Ct)).ShouldBe(oldestFirst.Take(2));

        await outbox.MarkDispatchedAsync([oldestFirst[0].Id, oldestFirst[2].Id], Ct);

        (await outbox.PendingAsync(10, Ct)).ShouldBe([oldestFirst[1]]);
        (await outbox.GetEventAsync(oldestFirst[0].Id, Ct)).ShouldBe(oldestFirst[0]);
        (await outbox.ForPaymentAsync(oldestFirst[0].PaymentId, Ct)).ShouldBe([oldestFirst[0]]);

        await outbox.MarkDispatchedAsync([oldestFirst[0].Id, Guid.NewGuid()], Ct); // again, and an unknown id: harmless
        await outbox.MarkDispatchedAsync([], Ct);
        (await outbox.PendingAsync(10, Ct)).ShouldBe([oldestFirst[1]]);
        (await outbox.GetEventAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task A_payments_events_are_its_timeline_oldest_first()
    {
        var store = await NewStoreAsync();
        var outbox = Outbox(store);
        var payment = NewPayment(Guid.CreateVersion7(), T0);
        var initiate = Initiate(payment);
        await WriteOkAsync(store, initiate);
        await WriteOkAsync(store, Initiate(NewPayment(payment.MerchantId, T0.AddSeconds(1))));
        var succeeded = Succeed(payment, T0.AddMinutes(1));
        var refunded = Event(payment, PaymentEventTypes.Refunded, T0.AddMinutes(2));
        var succeededEvent = Event(payment, PaymentEventTypes.Succeeded, T0.AddMinutes(1));

        // Two events in one write, listed by time rather than by their order in the write.
        await WriteOkAsync(store, Update(payment, succeeded, refunded, succeededEvent));

        (await outbox.ForPaymentAsync(payment.Id, Ct)).ShouldBe([initiate.Events[0], succeededEvent, refunded]);
        (await outbox.GetEventAsync(refunded.Id, Ct)).ShouldBe(refunded);
        (await outbox.PendingAsync(10, Ct)).Count.ShouldBe(4);
    }
}
