using Portal.Core;
using Portal.Core.Disputes;
using Portal.Core.Payments;
using Portal.Core.Security;

namespace Portal.Tests.Unit.Disputes;

/// <summary>Disputes from the processor's events to evidence, deadlines and outcomes (<see cref="DisputeService"/>, <see cref="ApplyDisputeEvent"/>, <see cref="DisputeSweeper"/>).</summary>
public sealed class DisputeServiceTests : IAsyncLifetime
{
    private DisputeTestBed _t = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _t = await DisputeTestBed.CreateAsync();

    public async ValueTask DisposeAsync() => await _t.DisposeAsync();

    private static readonly DisputeEvidence Evidence = new(ProductDescription: "Blue silk scarf", CustomerName: "Ada Obi", Explanation: "Delivered and signed for.");

    private ProcessorNotification Stripe(ProcessorNotificationType type, Payment payment, string eventId, DateTimeOffset at, string? status, DateTimeOffset? dueBy = null) =>
        new(type, payment.ProcessorReference!, eventId, Amount: 4200, DisputeId: "du_1Q2w3E", DisputeReason: "product_not_received", PaymentId: payment.Id,
            DisputeStatus: status, EvidenceDueBy: dueBy ?? _t.Bed.Clock.GetUtcNow().AddDays(10), Currency: "usd", OccurredAt: at);

    [Fact]
    public async Task A_sandbox_payment_with_the_dispute_token_opens_a_dispute_with_its_deadline_webhook_and_email()
    {
        var (payment, dispute) = await _t.DisputedAsync();

        dispute.Status.ShouldBe(DisputeStatus.NeedsResponse);
        dispute.EvidenceState.ShouldBe(EvidenceState.None);
        dispute.Amount.ShouldBe(new Money(4200, "usd"));
        dispute.EvidenceDueBy.ShouldBe(_t.Bed.Clock.GetUtcNow().AddDays(_t.Options.SandboxResponseDays));
        dispute.ProcessorDisputeId.ShouldStartWith("sbx_dp_");
        (await _t.Payments.GetAsync(payment.Id, Ct))!.Status.ShouldBe(PaymentStatus.Disputed);
        var created = (await _t.WebhookEventsAsync(payment.Id)).ShouldHaveSingleItem();
        created.Type.ShouldBe(PaymentEventTypes.DisputeCreated);
        created.Data.ShouldContain($"\"id\":\"{dispute.DisplayId}\"");
        created.Data.ShouldContain("\"status\":\"needs_response\"");
        _t.Email.Sent.ShouldHaveSingleItem().Subject.ShouldStartWith("Dispute opened");
    }

    [Fact]
    public async Task A_duplicate_event_changes_nothing_twice()
    {
        var payment = await _t.PayAsync();
        var at = _t.Bed.Clock.GetUtcNow();
        var created = Stripe(ProcessorNotificationType.DisputeCreated, payment, "evt_1", at, "needs_response");

        (await _t.PaymentCases.Events.ApplyAsync(created, Ct)).ShouldBeTrue();
        (await _t.PaymentCases.Events.ApplyAsync(created, Ct)).ShouldBeTrue();
        (await _t.PaymentCases.Events.ApplyAsync(created with { EventId = "evt_1_redelivered" }, Ct)).ShouldBeTrue();

        var dispute = (await _t.Store.GetByProcessorIdAsync("sandbox", "du_1Q2w3E", Ct)).ShouldNotBeNull();
        dispute.Version.ShouldBe(1);
        (await _t.WebhookEventsAsync(payment.Id)).Select(e => e.Type).ShouldBe([PaymentEventTypes.DisputeCreated]);
        _t.Email.Sent.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Events_arriving_out_of_order_end_in_the_newest_state()
    {
        var payment = await _t.PayAsync();
        var t1 = _t.Bed.Clock.GetUtcNow();

        // Closed (lost) arrives first, then the older update and the older create.
        await _t.PaymentCases.Events.ApplyAsync(Stripe(ProcessorNotificationType.DisputeClosed, payment, "evt_3", t1.AddMinutes(20), "lost"), Ct);
        await _t.PaymentCases.Events.ApplyAsync(Stripe(ProcessorNotificationType.DisputeUpdated, payment, "evt_2", t1.AddMinutes(10), "under_review"), Ct);
        await _t.PaymentCases.Events.ApplyAsync(Stripe(ProcessorNotificationType.DisputeCreated, payment, "evt_1", t1, "needs_response"), Ct);

        var dispute = (await _t.Store.GetByProcessorIdAsync("sandbox", "du_1Q2w3E", Ct)).ShouldNotBeNull();
        dispute.Status.ShouldBe(DisputeStatus.Lost);
        dispute.Version.ShouldBe(1);
        (await _t.WebhookEventsAsync(payment.Id)).Select(e => e.Type).ShouldBe([PaymentEventTypes.DisputeCreated, PaymentEventTypes.DisputeClosed]);
    }

    [Fact]
    public async Task Updates_in_order_move_the_dispute_forward_with_updated_and_closed_webhooks()
    {
        var payment = await _t.PayAsync();
        var t1 = _t.Bed.Clock.GetUtcNow();
        var due = t1.AddDays(9);

        await _t.PaymentCases.Events.ApplyAsync(Stripe(ProcessorNotificationType.DisputeCreated, payment, "evt_1", t1, "needs_response", due), Ct);
        await _t.PaymentCases.Events.ApplyAsync(Stripe(ProcessorNotificationType.DisputeUpdated, payment, "evt_2", t1.AddMinutes(5), "needs_response", due.AddDays(2)), Ct);
        await _t.PaymentCases.Events.ApplyAsync(Stripe(ProcessorNotificationType.DisputeClosed, payment, "evt_3", t1.AddMinutes(9), "won", due.AddDays(2)), Ct);

        var dispute = (await _t.Store.GetByProcessorIdAsync("sandbox", "du_1Q2w3E", Ct)).ShouldNotBeNull();
        dispute.Status.ShouldBe(DisputeStatus.Won);
        dispute.EvidenceDueBy.ShouldBe(due.AddDays(2));
        (await _t.WebhookEventsAsync(payment.Id)).Select(e => e.Type).ShouldBe([PaymentEventTypes.DisputeCreated, PaymentEventTypes.DisputeUpdated, PaymentEventTypes.DisputeClosed]);
        _t.Email.Sent.Select(m => m.Subject).Last().ShouldContain("closed: won");
    }

    [Fact]
    public async Task Past_its_deadline_a_dispute_reads_as_expired_and_the_sweep_stores_it_once()
    {
        var (payment, dispute) = await _t.DisputedAsync();
        _t.Bed.Clock.SetUtcNow(dispute.EvidenceDueBy.AddMinutes(1));

        (await _t.Service.GetAsync(_t.Merchant, dispute.Id, Ct)).Value!.Status.ShouldBe(DisputeStatus.Expired);
        (await _t.Store.GetAsync(dispute.Id, Ct))!.Status.ShouldBe(DisputeStatus.NeedsResponse); // evaluated on read

        (await _t.Sweeper.SweepOnceAsync(Ct)).Expired.ShouldBe(1);
        (await _t.Sweeper.SweepOnceAsync(Ct)).Expired.ShouldBe(0);

        (await _t.Store.GetAsync(dispute.Id, Ct))!.Status.ShouldBe(DisputeStatus.Expired);
        (await _t.WebhookEventsAsync(payment.Id)).Select(e => e.Type).ShouldBe([PaymentEventTypes.DisputeCreated, PaymentEventTypes.DisputeClosed]);
        _t.Email.Sent.Select(m => m.Subject).ShouldContain(s => s.Contains("closed: expired", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Exactly_at_the_deadline_the_dispute_is_still_open()
    {
        var (_, dispute) = await _t.DisputedAsync();
        _t.Bed.Clock.SetUtcNow(dispute.EvidenceDueBy);

        (await _t.Service.GetAsync(_t.Merchant, dispute.Id, Ct)).Value!.Status.ShouldBe(DisputeStatus.NeedsResponse);
        (await _t.Sweeper.SweepOnceAsync(Ct)).Expired.ShouldBe(0);
    }

    [Fact]
    public async Task Submitting_after_the_deadline_is_refused_and_nothing_is_sent()
    {
        var (_, dispute) = await _t.DisputedAsync();
        await _t.Service.SaveDraftAsync(_t.Merchant, dispute.Id, Evidence, null, Ct);
        _t.Bed.Clock.SetUtcNow(dispute.EvidenceDueBy.AddSeconds(1));

        var result = await _t.Service.SubmitAsync(_t.Merchant, dispute.Id, null, Ct);

        result.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Unprocessable);
        result.Error.Message.ShouldContain("deadline passed");
        _t.Processor.Submissions.ShouldBe(0);
        (await _t.Service.AcceptAsync(_t.Merchant, dispute.Id, null, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Unprocessable);
        _t.Processor.Acceptances.ShouldBe(0);
    }

    [Fact]
    public async Task A_reminder_goes_out_once_within_48_hours_of_the_deadline_without_a_response()
    {
        var (_, dispute) = await _t.DisputedAsync();
        var (_, answered) = await _t.DisputedAsync();
        await _t.Service.SaveDraftAsync(_t.Merchant, answered.Id, Evidence, null, Ct);
        await _t.Service.SubmitAsync(_t.Merchant, answered.Id, null, Ct);
        var opened = _t.Email.Sent.Count;

        _t.Bed.Clock.SetUtcNow(dispute.EvidenceDueBy.AddHours(-49));
        (await _t.Sweeper.SweepOnceAsync(Ct)).Reminded.ShouldBe(0);

        _t.Bed.Clock.SetUtcNow(dispute.EvidenceDueBy.AddHours(-47));
        (await _t.Sweeper.SweepOnceAsync(Ct)).Reminded.ShouldBe(1);
        (await _t.Sweeper.SweepOnceAsync(Ct)).Reminded.ShouldBe(0);

        var reminders = _t.Email.Sent.Skip(opened).ToList();
        reminders.ShouldHaveSingleItem().Subject.ShouldContain($"{dispute.DisplayId}: evidence due by");
        (await _t.Service.NoticesAsync(_t.Merchant, Ct)).ShouldContain(n => n.DisputeId == dispute.Id && n.Kind == "due_soon");
    }

    [Fact]
    public async Task Submitted_evidence_is_sent_once_and_locked()
    {
        var (payment, dispute) = await _t.DisputedAsync();
        var saved = await _t.Service.SaveDraftAsync(_t.Merchant, dispute.Id, Evidence, dispute.Version, Ct);
        saved.Value!.EvidenceState.ShouldBe(EvidenceState.Draft);

        var submitted = await _t.Service.SubmitAsync(_t.Merchant, dispute.Id, saved.Value.Version, Ct);

        submitted.Value.ShouldNotBeNull().Status.ShouldBe(DisputeStatus.UnderReview);
        submitted.Value.EvidenceState.ShouldBe(EvidenceState.Submitted);
        _t.Processor.Sent.ShouldHaveSingleItem().ShouldBe(Evidence);

        var again = await _t.Service.SubmitAsync(_t.Merchant, dispute.Id, null, Ct);
        again.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        again.Error.Message.ShouldContain("already submitted");
        (await _t.Service.SaveDraftAsync(_t.Merchant, dispute.Id, Evidence with { Explanation = "changed" }, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.Conflict);
        (await _t.Service.UploadFileAsync(_t.Merchant, dispute.Id, EvidenceFileType.Receipt, new MemoryStream(TestPdf), Ct)).Error!.Kind.ShouldBe(ErrorKind.Conflict);
        (await _t.Service.AcceptAsync(_t.Merchant, dispute.Id, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.Conflict);
        _t.Processor.Submissions.ShouldBe(1);
        _t.Processor.Acceptances.ShouldBe(0);
        (await _t.Store.GetAsync(dispute.Id, Ct))!.Evidence.ShouldBe(Evidence);
        (await _t.WebhookEventsAsync(payment.Id)).Select(e => e.Type).ShouldBe([PaymentEventTypes.DisputeCreated, PaymentEventTypes.DisputeUpdated]);
    }

    [Fact]
    public async Task Two_concurrent_submissions_call_the_processor_once()
    {
        var (_, dispute) = await _t.DisputedAsync();
        await _t.Service.SaveDraftAsync(_t.Merchant, dispute.Id, Evidence, null, Ct);
        _t.Processor.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = _t.Service.SubmitAsync(_t.Merchant, dispute.Id, null, Ct);
        var second = await _t.Service.SubmitAsync(_t.Merchant, dispute.Id, null, Ct);
        _t.Processor.Gate.SetResult();

        (await first).Succeeded.ShouldBeTrue();
        second.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        _t.Processor.Submissions.ShouldBe(1);
    }

    [Fact]
    public async Task A_refused_submission_unlocks_the_draft_so_it_can_be_sent_again()
    {
        var (_, dispute) = await _t.DisputedAsync();
        await _t.Service.SaveDraftAsync(_t.Merchant, dispute.Id, Evidence, null, Ct);
        _t.Processor.Refuse = true;

        (await _t.Service.SubmitAsync(_t.Merchant, dispute.Id, null, Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Declined);
        var stored = (await _t.Store.GetAsync(dispute.Id, Ct))!;
        stored.EvidenceState.ShouldBe(EvidenceState.Draft);
        stored.Status.ShouldBe(DisputeStatus.NeedsResponse);

        _t.Processor.Refuse = false;
        (await _t.Service.SubmitAsync(_t.Merchant, dispute.Id, null, Ct)).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task Submitting_without_any_evidence_names_what_is_missing()
    {
        var (_, dispute) = await _t.DisputedAsync();

        var result = await _t.Service.SubmitAsync(_t.Merchant, dispute.Id, null, Ct);

        result.Error.ShouldNotBeNull().Fields.ShouldNotBeNull().ShouldContainKey("evidence");
        _t.Processor.Submissions.ShouldBe(0);
    }

    [Fact]
    public async Task Another_merchants_dispute_is_not_found_for_every_use_case()
    {
        var (_, dispute) = await _t.DisputedAsync();
        var other = _t.OtherMerchant;

        (await _t.Service.GetAsync(other, dispute.Id, Ct)).Error!.Kind.ShouldBe(ErrorKind.NotFound);
        (await _t.Service.SaveDraftAsync(other, dispute.Id, Evidence, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.NotFound);
        (await _t.Service.SubmitAsync(other, dispute.Id, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.NotFound);
        (await _t.Service.AcceptAsync(other, dispute.Id, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.NotFound);
        (await _t.Service.UploadFileAsync(other, dispute.Id, EvidenceFileType.Receipt, new MemoryStream(TestPdf), Ct)).Error!.Kind.ShouldBe(ErrorKind.NotFound);
        (await _t.Packs.BuildAsync(other, dispute.Id, Ct)).Error!.Kind.ShouldBe(ErrorKind.NotFound);
        (await _t.Service.ListAsync(other, null, null, null, null, Ct)).Value!.Items.ShouldBeEmpty();
        (await _t.Service.ListAsync(_t.Merchant, null, null, null, null, Ct)).Value!.Items.ShouldHaveSingleItem().Id.ShouldBe(dispute.Id);
        _t.Processor.Submissions.ShouldBe(0);
    }

    [Fact]
    public async Task Evidence_with_a_card_number_or_bad_fields_is_refused_naming_each_field()
    {
        var (_, dispute) = await _t.DisputedAsync();

        var result = await _t.Service.SaveDraftAsync(_t.Merchant, dispute.Id,
            new DisputeEvidence(Explanation: "Customer paid with 4242 4242 4242 4242", CustomerEmailAddress: "not an email", ServiceDate: "30/11/2026"), null, Ct);

        var fields = result.Error.ShouldNotBeNull().Fields.ShouldNotBeNull();
        fields["explanation"].ShouldBe([CardNumberRules.Message]);
        fields.ShouldContainKey("customer_email_address");
        fields.ShouldContainKey("service_date");
        (await _t.Store.GetAsync(dispute.Id, Ct))!.Evidence.ShouldBe(DisputeEvidence.Empty);
    }

    [Fact]
    public async Task A_service_date_in_another_scripts_digits_is_refused()
    {
        var (_, dispute) = await _t.DisputedAsync();

        var result = await _t.Service.SaveDraftAsync(_t.Merchant, dispute.Id, new DisputeEvidence(ServiceDate: "٢٠٢٦-١١-٣٠"), null, Ct);

        result.Error.ShouldNotBeNull().Fields.ShouldNotBeNull().ShouldContainKey("service_date");
    }

    [Fact]
    public async Task A_stale_version_is_a_conflict_naming_who_changed_the_dispute()
    {
        var (_, dispute) = await _t.DisputedAsync();
        await _t.Service.SaveDraftAsync(_t.Merchant with { Name = "colleague@shop.example" }, dispute.Id, Evidence, dispute.Version, Ct);

        var stale = await _t.Service.SaveDraftAsync(_t.Merchant, dispute.Id, Evidence with { CustomerName = "Someone" }, dispute.Version, Ct);

        stale.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Conflict);
        stale.Error.Message.ShouldContain("colleague@shop.example");
    }

    [Fact]
    public async Task Files_go_through_the_intake_and_the_encrypted_store_and_views_are_audited()
    {
        var (_, dispute) = await _t.DisputedAsync();

        (await _t.Service.UploadFileAsync(_t.Merchant, dispute.Id, EvidenceFileType.Receipt, new MemoryStream("not a pdf"u8.ToArray()), Ct)).Error!.Kind
            .ShouldBe(ErrorKind.UnsupportedContent);
        _t.Options.MaxFileBytes = 1024;
        (await _t.Service.UploadFileAsync(_t.Merchant, dispute.Id, EvidenceFileType.Receipt, new MemoryStream([.. TestPdf, .. new byte[2048]]), Ct)).Error!.Kind
            .ShouldBe(ErrorKind.TooLarge);

        var uploaded = await _t.Service.UploadFileAsync(_t.Merchant, dispute.Id, EvidenceFileType.ShippingDocumentation, new MemoryStream(TestPdf), Ct);

        var file = uploaded.Value.ShouldNotBeNull().Files.ShouldHaveSingleItem();
        file.Type.ShouldBe(EvidenceFileType.ShippingDocumentation);
        file.ContentType.ShouldBe("application/pdf");
        var stored = Directory.GetFiles(Path.Combine(_t.Bed.Folder, "documents"), "*", SearchOption.AllDirectories).ShouldHaveSingleItem();
        File.ReadAllBytes(stored).AsSpan().IndexOf("%PDF-"u8).ShouldBe(-1); // encrypted at rest
        (await _t.Service.OpenFileAsync(_t.OtherMerchant, dispute.Id, file.Id, Ct)).ShouldBeNull();
        var opened = (await _t.Service.OpenFileAsync(_t.Merchant, dispute.Id, file.Id, Ct)).ShouldNotBeNull();
        using (var copy = new MemoryStream())
        {
            await opened.Content.CopyToAsync(copy, Ct);
            await opened.Content.DisposeAsync();
            copy.ToArray().ShouldBe(TestPdf);
        }

        var audit = await _t.Bed.Audit.QueryAsync(new Portal.Core.Audit.AuditQuery(Action: DisputeAuditActions.FileViewed), Ct);
        audit.Events.ShouldHaveSingleItem().Target.ShouldBe(dispute.DisplayId);
    }

    [Fact]
    public async Task Accepting_closes_the_dispute_through_the_processor()
    {
        var (payment, dispute) = await _t.DisputedAsync();

        var accepted = await _t.Service.AcceptAsync(_t.Merchant, dispute.Id, dispute.Version, Ct);

        accepted.Value.ShouldNotBeNull().Status.ShouldBe(DisputeStatus.Accepted);
        _t.Processor.Acceptances.ShouldBe(1);
        (await _t.WebhookEventsAsync(payment.Id)).Select(e => e.Type).Last().ShouldBe(PaymentEventTypes.DisputeClosed);
        (await _t.Service.SubmitAsync(_t.Merchant, dispute.Id, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.Conflict);
    }

    [Fact]
    public async Task In_sandbox_mode_an_admin_records_the_outcome_and_the_merchant_is_told()
    {
        var (payment, dispute) = await _t.DisputedAsync();
        await _t.Service.SaveDraftAsync(_t.Merchant, dispute.Id, Evidence, null, Ct);
        await _t.Service.SubmitAsync(_t.Merchant, dispute.Id, null, Ct);

        (await _t.Service.RecordOutcomeAsync(_t.Merchant, dispute.Id, DisputeStatus.Won, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.Forbidden);
        (await _t.Service.RecordOutcomeAsync(DisputeTestBed.Admin, dispute.Id, DisputeStatus.Accepted, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.Validation);
        var won = await _t.Service.RecordOutcomeAsync(DisputeTestBed.Admin, dispute.Id, DisputeStatus.Won, null, Ct);

        won.Value.ShouldNotBeNull().Status.ShouldBe(DisputeStatus.Won);
        (await _t.Service.GetAsync(_t.Merchant, dispute.Id, Ct)).Value!.Status.ShouldBe(DisputeStatus.Won);
        (await _t.WebhookEventsAsync(payment.Id)).Select(e => e.Type).Last().ShouldBe(PaymentEventTypes.DisputeClosed);
        _t.Email.Sent.Last().Subject.ShouldContain("closed: won");
        (await _t.Service.NoticesAsync(_t.Merchant, Ct)).ShouldContain(n => n.Kind == "closed" && n.DisputeId == dispute.Id);
        (await _t.Service.RecordOutcomeAsync(DisputeTestBed.Admin, dispute.Id, DisputeStatus.Lost, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.Conflict);
    }

    [Fact]
    public async Task With_a_real_processor_outcomes_are_not_recorded_by_hand()
    {
        var (_, dispute) = await _t.DisputedAsync();
        _t.Processor.Simulated = false;

        (await _t.Service.RecordOutcomeAsync(DisputeTestBed.Admin, dispute.Id, DisputeStatus.Won, null, Ct)).Error!.Kind.ShouldBe(ErrorKind.Forbidden);
    }

    [Fact]
    public async Task The_dispute_rate_counts_disputes_over_successful_payments_of_the_last_30_days()
    {
        for (var i = 0; i < 3; i++)
        {
            await _t.PayAsync();
        }

        await _t.DisputedAsync();

        var rate = (await _t.Service.RateAsync(_t.Merchant, Ct)).ShouldNotBeNull();
        rate.Disputes.ShouldBe(1);
        rate.Payments.ShouldBe(4);
        rate.Percent.ShouldBe(25);
        rate.Warning.ShouldBeTrue();
        (await _t.Service.RateAsync(DisputeTestBed.Admin, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task The_evidence_pack_prefills_from_the_payment_and_the_customers_history_without_overwriting_the_draft()
    {
        await _t.PayAsync();
        _t.Bed.Clock.Advance(TimeSpan.FromMinutes(1));
        var (payment, dispute) = await _t.DisputedAsync();

        var pack = (await _t.Packs.BuildAsync(_t.Merchant, dispute.Id, Ct)).Value.ShouldNotBeNull();

        pack.Payment.Id.ShouldBe(payment.Id);
        pack.Timeline.Select(e => e.Type).ShouldContain(PaymentEventTypes.Succeeded);
        pack.EarlierPayments.ShouldHaveSingleItem().Id.ShouldNotBe(payment.Id);
        pack.Suggested.ProductDescription.ShouldBe("Blue silk scarf");
        pack.Suggested.ServiceDate.ShouldBe(payment.CreatedAt.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        pack.Suggested.Explanation.ShouldNotBeNull().ShouldContain("1 earlier successful payment");
        var merged = EvidencePackBuilder.Merge(new DisputeEvidence(ProductDescription: "My own words"), pack.Suggested);
        merged.ProductDescription.ShouldBe("My own words");
        merged.Explanation.ShouldBe(pack.Suggested.Explanation);
    }

    internal static readonly byte[] TestPdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"u8.ToArray();
}
