using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Fraud.Review;
using Portal.Core.Kyc;
using Portal.Core.Merchants;
using Portal.Core.Payments;

namespace Portal.Tests.Unit.Fraud;

/// <summary>The fraud review queue's use cases: intake, permissions, claiming, outcomes, exactly-once approval, SLA, queue filters.</summary>
public sealed class FraudReviewTests : IAsyncLifetime
{
    private readonly FraudReviewBed _bed = new();
    private Actor _merchant = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _merchant = await _bed.MerchantAsync("515151");

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    [Fact]
    public async Task A_held_payment_opens_a_case_due_after_the_sla_and_raises_an_alert_and_an_on_call_email()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant);

        var fraudCase = await _bed.CaseOfAsync(payment);
        fraudCase.Status.ShouldBe(FraudCaseStatus.Open);
        fraudCase.Score.ShouldBe(70);
        fraudCase.Factors.Select(f => f.Rule).ShouldBe(["velocity", "card_testing"], ignoreOrder: true);
        fraudCase.Factors.ShouldAllBe(f => f.Detail.Length > 0);
        fraudCase.DueAt.ShouldBe(fraudCase.CreatedAt + _bed.Options.Value.Sla);
        fraudCase.MerchantId.ShouldBe(_merchant.MerchantId!.Value);

        var alert = _bed.Alerts.Recent(FraudReviewBed.AdminA).ShouldHaveSingleItem();
        alert.PaymentId.ShouldBe(payment.Id);
        alert.Link.ShouldBe($"/admin/fraud/{fraudCase.DisplayId}");

        await _bed.Mailer.SendAsync(alert, Ct);
        var mail = _bed.Outbox.Sent.ShouldHaveSingleItem();
        mail.To.ShouldBe("oncall@portal.example");
        mail.ActionUrl.ShouldBe(alert.Link);
        mail.Body.ShouldContain(payment.DisplayId);
    }

    [Fact]
    public async Task A_blocked_payment_raises_an_alert_that_links_to_the_payment_and_opens_no_case()
    {
        var held = await _bed.HeldPaymentAsync(_merchant);
        // One more small payment from a new device: card testing + velocity + unknown device = 85, blocked.
        var blocked = (await _bed.UseCases.Initiate.InitiateAsync(_merchant, new PaymentRequest(100, "usd", held.CustomerId, SandboxProcessor.Success, "order-x", "dev-new", null, null, null),
            Guid.NewGuid().ToString("N"), Ct)).Value.ShouldNotBeNull().Payment;
        blocked.Status.ShouldBe(PaymentStatus.Blocked);

        var alert = _bed.Alerts.Recent(FraudReviewBed.AdminA)[0];
        alert.PaymentId.ShouldBe(blocked.Id);
        alert.CaseId.ShouldBeNull();
        alert.Link.ShouldBe($"/admin/transactions/{blocked.DisplayId}");
        (await _bed.Cases.GetByPaymentAsync(blocked.Id, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Alerts_reach_admins_only_and_a_stuck_subscriber_never_holds_up_the_publisher()
    {
        _bed.Alerts.Subscribe(_merchant, _ => Task.CompletedTask).ShouldBeNull();
        _bed.Alerts.Subscribe(FraudReviewBed.Compliance, _ => Task.CompletedTask).ShouldBeNull();
        _bed.Alerts.Recent(FraudReviewBed.Compliance).ShouldBeEmpty();

        var stuck = new TaskCompletionSource();
        var received = new TaskCompletionSource<FraudAlert>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var frozen = _bed.Alerts.Subscribe(FraudReviewBed.AdminB, _ => stuck.Task).ShouldNotBeNull();
        using var live = _bed.Alerts.Subscribe(FraudReviewBed.AdminA, a =>
        {
            received.TrySetResult(a);
            return Task.CompletedTask;
        }).ShouldNotBeNull();

        // The publishing request (the payment) completes although one subscriber never returns.
        var payment = await _bed.HeldPaymentAsync(_merchant);

        (await received.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct)).PaymentId.ShouldBe(payment.Id);
        stuck.SetResult();
    }

    [Fact]
    public async Task Merchants_and_compliance_can_neither_read_the_queue_nor_act_on_a_case()
    {
        var fraudCase = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant));

        foreach (var actor in new[] { _merchant, FraudReviewBed.Compliance })
        {
            (await _bed.Queries.QueueAsync(actor, new FraudQueueFilter(), 0, 20, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await _bed.Queries.DetailAsync(actor, fraudCase.Id, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await _bed.Decisions.ClaimAsync(actor, fraudCase.Id, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await _bed.Decisions.ApproveAsync(actor, fraudCase.Id, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await _bed.Decisions.DeclineAsync(actor, fraudCase.Id, "no", Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await _bed.Decisions.EscalateAsync(actor, fraudCase.Id, "no", Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await _bed.Decisions.RefundAsFraudAsync(actor, fraudCase.Id, "no", Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
            (await _bed.Decisions.DeclineManyAsync(actor, [fraudCase.Id], "no", Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Forbidden);
        }

        var unchanged = (await _bed.Cases.GetAsync(fraudCase.Id, Ct)).ShouldNotBeNull();
        unchanged.Version.ShouldBe(fraudCase.Version);
        _bed.Processor.Charges.ShouldBe(5); // the five payments before the held one; none for the case
        var denied = await _bed.Audit.QueryAsync(new AuditQuery(Limit: 100, Action: AuditActions.FraudCaseApproved), Ct);
        denied.Events.Where(e => e.Outcome == AuditOutcome.Denied).Select(e => e.ActorRole).ShouldBe([Roles.Compliance, Roles.Merchant], ignoreOrder: true);
    }

    [Fact]
    public async Task A_second_admin_claiming_a_claimed_case_gets_a_conflict_naming_the_holder()
    {
        var fraudCase = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant));

        var claimed = (await _bed.Decisions.ClaimAsync(FraudReviewBed.AdminA, fraudCase.Id, Ct)).Value.ShouldNotBeNull();
        claimed.Status.ShouldBe(FraudCaseStatus.Claimed);
        claimed.AssigneeName.ShouldBe("ada@portal.example");

        var second = await _bed.Decisions.ClaimAsync(FraudReviewBed.AdminB, fraudCase.Id, Ct);
        second.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        second.Error.Message.ShouldContain("ada@portal.example");

        // Claiming again is harmless for the holder, and the holder's decline is refused to the other admin too.
        (await _bed.Decisions.ClaimAsync(FraudReviewBed.AdminA, fraudCase.Id, Ct)).Value.ShouldNotBeNull().Version.ShouldBe(claimed.Version);
        (await _bed.Decisions.DeclineAsync(FraudReviewBed.AdminB, fraudCase.Id, "looks bad", Ct)).Error.ShouldNotBeNull().Message.ShouldContain("ada@portal.example");
    }

    [Fact]
    public async Task Concurrent_claims_leave_exactly_one_holder()
    {
        var fraudCase = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            _bed.Decisions.ClaimAsync(i % 2 == 0 ? FraudReviewBed.AdminA : FraudReviewBed.AdminB, fraudCase.Id, Ct), Ct)));

        var holder = (await _bed.Cases.GetAsync(fraudCase.Id, Ct)).ShouldNotBeNull().AssigneeId.ShouldNotBeNull();
        results.Where(r => r.Succeeded).ShouldAllBe(r => r.Value!.AssigneeId == holder);
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Kind == ErrorKind.Conflict);
        results.Count(r => !r.Succeeded).ShouldBe(4); // every call of the other admin
    }

    [Fact]
    public async Task Approval_sends_the_payment_to_the_processor_and_it_succeeds()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant);
        var fraudCase = await _bed.CaseOfAsync(payment);
        var before = _bed.Processor.Charges;

        var outcome = (await _bed.Decisions.ApproveAsync(FraudReviewBed.AdminA, fraudCase.Id, Ct)).Value.ShouldNotBeNull();

        outcome.Case.Status.ShouldBe(FraudCaseStatus.Approved);
        outcome.Payment.ShouldNotBeNull().Status.ShouldBe(PaymentStatus.Succeeded);
        _bed.Processor.Charges.ShouldBe(before + 1);
        var stored = (await _bed.Payments.GetAsync(payment.Id, Ct)).ShouldNotBeNull();
        stored.Status.ShouldBe(PaymentStatus.Succeeded);
        stored.ProcessorReference.ShouldBe("sbx_" + payment.Id.ToString("N"));
        (await _bed.Payments.ForPaymentAsync(payment.Id, Ct)).Select(e => e.Type).ShouldBe([PaymentEventTypes.Initiated, PaymentEventTypes.Succeeded]);
        (await _bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.FraudCaseApproved), Ct)).Events.ShouldHaveSingleItem().Target.ShouldBe(fraudCase.DisplayId);
    }

    [Fact]
    public async Task Concurrent_approvals_by_two_admins_and_retried_clicks_charge_exactly_once()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant);
        var fraudCase = await _bed.CaseOfAsync(payment);
        var before = _bed.Processor.Charges;
        // The processor holds every charge until all approvals have been sent, so they overlap for real.
        _bed.Processor.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var approvals = Enumerable.Range(0, 12)
            .Select(i => Task.Run(() => _bed.Decisions.ApproveAsync(i % 2 == 0 ? FraudReviewBed.AdminA : FraudReviewBed.AdminB, fraudCase.Id, Ct), Ct))
            .ToList();
        // Once one approval is at the processor, every other one must finish without reaching it (a second charge would
        // wait at the gate too, and this wait would fail on its guard timeout).
        await _bed.Processor.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        while (approvals.Count(a => !a.IsCompleted) > 1)
        {
            await Task.WhenAny(approvals.Where(a => !a.IsCompleted)).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }

        _bed.Processor.Gate.SetResult();
        var results = await Task.WhenAll(approvals);

        _bed.Processor.Charges.ShouldBe(before + 1);
        var decided = (await _bed.Cases.GetAsync(fraudCase.Id, Ct)).ShouldNotBeNull();
        decided.Status.ShouldBe(FraudCaseStatus.Approved);
        var winnerName = decided.AssigneeName.ShouldNotBeNull();
        // The winner's retried clicks answer with the approved case; the other admin is told who approved it.
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Kind == ErrorKind.Conflict && r.Error.Message.Contains(winnerName));
        results.Count(r => r.Succeeded).ShouldBe(6);
        (await _bed.Payments.GetAsync(payment.Id, Ct)).ShouldNotBeNull().Status.ShouldBe(PaymentStatus.Succeeded);
        (await _bed.Payments.ForPaymentAsync(payment.Id, Ct)).Count(e => e.Type == PaymentEventTypes.Succeeded).ShouldBe(1);
    }

    [Fact]
    public async Task A_retried_approval_finishes_a_payment_the_first_attempt_left_held_without_a_second_charge()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant);
        var fraudCase = await _bed.CaseOfAsync(payment);
        var before = _bed.Processor.Charges;
        // The first attempt stopped right after approving the case (the portal restarted): the payment is still held.
        await _bed.Cases.UpdateAsync(fraudCase with { Status = FraudCaseStatus.Approved, AssigneeId = "admin-a", AssigneeName = "ada@portal.example", Version = 2 }, 1, Ct);

        var retried = (await _bed.Decisions.ApproveAsync(FraudReviewBed.AdminA, fraudCase.Id, Ct)).Value.ShouldNotBeNull();
        var again = (await _bed.Decisions.ApproveAsync(FraudReviewBed.AdminA, fraudCase.Id, Ct)).Value.ShouldNotBeNull();

        retried.Payment.ShouldNotBeNull().Status.ShouldBe(PaymentStatus.Succeeded);
        again.Payment.ShouldNotBeNull().Status.ShouldBe(PaymentStatus.Succeeded);
        _bed.Processor.Charges.ShouldBe(before + 1);
    }

    [Fact]
    public async Task Decline_needs_a_clean_note_and_fails_the_payment_without_the_processor()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant);
        var fraudCase = await _bed.CaseOfAsync(payment);
        var before = _bed.Processor.Charges;

        var noNote = await _bed.Decisions.DeclineAsync(FraudReviewBed.AdminA, fraudCase.Id, "  ", Ct);
        noNote.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        noNote.Error.Fields.ShouldNotBeNull().Keys.ShouldBe(["note"]);
        var card = await _bed.Decisions.DeclineAsync(FraudReviewBed.AdminA, fraudCase.Id, "customer card 4111 1111 1111 1111 stolen", Ct);
        card.Error.ShouldNotBeNull().Fields.ShouldNotBeNull()["note"].ShouldHaveSingleItem().ShouldContain("card number");

        var declined = (await _bed.Decisions.DeclineAsync(FraudReviewBed.AdminA, fraudCase.Id, "Card testing pattern confirmed.", Ct)).Value.ShouldNotBeNull();

        declined.Case.Status.ShouldBe(FraudCaseStatus.Declined);
        declined.Case.Notes.ShouldHaveSingleItem().Text.ShouldBe("Card testing pattern confirmed.");
        var failed = declined.Payment.ShouldNotBeNull();
        failed.Status.ShouldBe(PaymentStatus.Failed);
        failed.FailureCode.ShouldBe(FraudCaseDecisions.DeclinedCode);
        failed.FailureMessage.ShouldNotBeNullOrEmpty();
        _bed.Processor.Charges.ShouldBe(before);
        (await _bed.Payments.ForPaymentAsync(payment.Id, Ct)).Select(e => e.Type).ShouldBe([PaymentEventTypes.Initiated, PaymentEventTypes.Failed]);

        var late = await _bed.Decisions.ApproveAsync(FraudReviewBed.AdminB, fraudCase.Id, Ct);
        late.Error.ShouldNotBeNull().Message.ShouldBe("ada@portal.example already declined this case.");
    }

    [Fact]
    public async Task Escalation_moves_the_case_to_the_escalation_queue_where_another_admin_can_take_it()
    {
        var fraudCase = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant));
        await _bed.Decisions.ClaimAsync(FraudReviewBed.AdminA, fraudCase.Id, Ct);

        (await _bed.Decisions.EscalateAsync(FraudReviewBed.AdminA, fraudCase.Id, null, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);
        var escalated = (await _bed.Decisions.EscalateAsync(FraudReviewBed.AdminA, fraudCase.Id, "Large merchant, needs a senior look.", Ct)).Value.ShouldNotBeNull();

        escalated.Status.ShouldBe(FraudCaseStatus.Escalated);
        escalated.AssigneeId.ShouldBeNull();
        (await _bed.Queries.QueueAsync(FraudReviewBed.AdminB, new FraudQueueFilter(), 0, 20, Ct)).Value!.Items.ShouldNotContain(c => c.Id == fraudCase.Id);
        (await _bed.Queries.QueueAsync(FraudReviewBed.AdminB, new FraudQueueFilter(FraudQueueView.Escalation), 0, 20, Ct)).Value!.Items
            .ShouldHaveSingleItem().Id.ShouldBe(fraudCase.Id);

        var taken = (await _bed.Decisions.ClaimAsync(FraudReviewBed.AdminB, fraudCase.Id, Ct)).Value.ShouldNotBeNull();
        taken.Status.ShouldBe(FraudCaseStatus.Escalated);
        taken.AssigneeName.ShouldBe("bo@portal.example");
        (await _bed.Decisions.ApproveAsync(FraudReviewBed.AdminB, fraudCase.Id, Ct)).Value.ShouldNotBeNull().Case.Status.ShouldBe(FraudCaseStatus.Approved);
    }

    [Fact]
    public async Task An_approved_payment_can_be_refunded_as_fraud_once()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant, amount: 400);
        var fraudCase = await _bed.CaseOfAsync(payment);
        (await _bed.Decisions.RefundAsFraudAsync(FraudReviewBed.AdminA, fraudCase.Id, "chargeback risk", Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        await _bed.Decisions.ApproveAsync(FraudReviewBed.AdminA, fraudCase.Id, Ct);

        var refunded = (await _bed.Decisions.RefundAsFraudAsync(FraudReviewBed.AdminB, fraudCase.Id, "Cardholder reported the card stolen.", Ct)).Value.ShouldNotBeNull();

        refunded.Case.Status.ShouldBe(FraudCaseStatus.RefundedAsFraud);
        refunded.Payment.ShouldNotBeNull().Status.ShouldBe(PaymentStatus.Refunded);
        var refund = (await _bed.Payments.RefundsAsync(payment.Id, Ct)).ShouldHaveSingleItem();
        refund.Amount.ShouldBe(400);
        refund.Reason.ShouldBe("fraud: Cardholder reported the card stolen.");
        var again = await _bed.Decisions.RefundAsFraudAsync(FraudReviewBed.AdminA, fraudCase.Id, "again", Ct);
        again.Error.ShouldNotBeNull().Message.ShouldContain("bo@portal.example");
        (await _bed.Payments.RefundsAsync(payment.Id, Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task The_sla_chip_level_and_the_overdue_filter_follow_the_clock()
    {
        var fraudCase = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant));
        var sla = _bed.Options.Value.Sla;
        var overdue = new FraudQueueFilter(OverdueOnly: true);

        _bed.Queries.SlaOf(fraudCase).ShouldBe(SlaLevel.OnTime);
        (await _bed.Queries.QueueAsync(FraudReviewBed.AdminA, overdue, 0, 20, Ct)).Value!.Total.ShouldBe(0);

        _bed.Clock.SetUtcNow(fraudCase.CreatedAt + sla * 0.8);
        _bed.Queries.SlaOf(fraudCase).ShouldBe(SlaLevel.Warning);
        _bed.Queries.DueIn(fraudCase).ShouldBe(sla * 0.2);

        _bed.Clock.SetUtcNow(fraudCase.CreatedAt + sla);
        _bed.Queries.SlaOf(fraudCase).ShouldBe(SlaLevel.Breached);
        (await _bed.Queries.QueueAsync(FraudReviewBed.AdminA, overdue, 0, 20, Ct)).Value!.Items.ShouldHaveSingleItem().Id.ShouldBe(fraudCase.Id);
        _bed.Queries.Age(fraudCase).ShouldBe(sla);
    }

    [Fact]
    public async Task The_queue_filters_sorts_and_pages_on_the_server()
    {
        var other = await _bed.MerchantAsync("525252", "Other Shop Ltd");
        var small = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant, amount: 100));
        var large = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant, amount: 450));
        var foreign = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(other, amount: 300));
        await _bed.Decisions.ClaimAsync(FraudReviewBed.AdminA, large.Id, Ct);

        async Task<IReadOnlyList<Guid>> Ids(FraudQueueFilter filter, int skip = 0, int take = 20) =>
            (await _bed.Queries.QueueAsync(FraudReviewBed.AdminA, filter, skip, take, Ct)).Value!.Items.Select(c => c.Id).ToList();

        (await Ids(new FraudQueueFilter())).ShouldBe([small.Id, large.Id, foreign.Id]); // oldest first
        (await Ids(new FraudQueueFilter(Sort: FraudQueueSort.Amount, Descending: true))).ShouldBe([large.Id, foreign.Id, small.Id]);
        (await Ids(new FraudQueueFilter(MerchantId: other.MerchantId))).ShouldBe([foreign.Id]);
        (await Ids(new FraudQueueFilter(Assignee: QueueAssignee.Assigned))).ShouldBe([large.Id]);
        (await Ids(new FraudQueueFilter(Assignee: QueueAssignee.Unassigned))).ShouldBe([small.Id, foreign.Id]);
        (await Ids(new FraudQueueFilter(Status: FraudCaseStatus.Claimed))).ShouldBe([large.Id]);
        (await Ids(new FraudQueueFilter(MinScore: 71))).ShouldBeEmpty();
        (await Ids(new FraudQueueFilter(MinScore: 70, MaxScore: 70))).Count.ShouldBe(3);
        (await _bed.Queries.QueueAsync(FraudReviewBed.AdminA, new FraudQueueFilter(MinScore: 80, MaxScore: 70), 0, 20, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Validation);

        var page = (await _bed.Queries.QueueAsync(FraudReviewBed.AdminA, new FraudQueueFilter(), 1, 1, Ct)).Value!;
        page.Total.ShouldBe(3);
        page.Items.ShouldHaveSingleItem().Id.ShouldBe(large.Id);
    }

    [Fact]
    public async Task Bulk_decline_declines_each_case_with_one_note_and_reports_the_ones_it_could_not()
    {
        var first = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant));
        var second = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant));
        var theirs = await _bed.CaseOfAsync(await _bed.HeldPaymentAsync(_merchant));
        await _bed.Decisions.ClaimAsync(FraudReviewBed.AdminB, theirs.Id, Ct);

        var results = (await _bed.Decisions.DeclineManyAsync(FraudReviewBed.AdminA, [first.Id, second.Id, theirs.Id], "Same card-testing ring.", Ct)).Value.ShouldNotBeNull();

        results.Where(r => r.Error is null).Select(r => r.CaseId).ShouldBe([first.Id, second.Id]);
        results.Single(r => r.Error is not null).Error!.Message.ShouldContain("bo@portal.example");
        (await _bed.Cases.GetAsync(first.Id, Ct))!.Notes.ShouldHaveSingleItem().Text.ShouldBe("Same card-testing ring.");
        (await _bed.Cases.GetAsync(theirs.Id, Ct))!.Status.ShouldBe(FraudCaseStatus.Claimed);
    }

    [Fact]
    public async Task The_case_detail_explains_each_rule_and_shows_the_customers_history_with_the_merchant()
    {
        var payment = await _bed.HeldPaymentAsync(_merchant);
        var fraudCase = await _bed.CaseOfAsync(payment);

        var detail = (await _bed.Queries.DetailAsync(FraudReviewBed.AdminA, fraudCase.Id, Ct)).Value.ShouldNotBeNull();

        detail.Payment.Payment.Id.ShouldBe(payment.Id);
        detail.Payment.Events.ShouldNotBeEmpty();
        detail.Merchant.ShouldNotBeNull().BusinessName.ShouldBe("Held Goods Ltd");
        detail.History.Payments.Count.ShouldBe(6);
        detail.History.LastHour.ShouldBe(6);
        detail.Case.Factors.Select(FraudReviewQueries.Explain).Select(e => e.Title).ShouldBe(["Many payments in a short time", "Possible card testing"], ignoreOrder: true);
        (await _bed.Queries.DetailAsync(FraudReviewBed.AdminA, Guid.NewGuid(), Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.NotFound);
        (await _bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.FraudCaseViewed), Ct)).Events.ShouldHaveSingleItem().ActorId.ShouldBe("admin-a");
    }
}
