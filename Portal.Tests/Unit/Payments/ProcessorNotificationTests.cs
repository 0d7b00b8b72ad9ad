using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Merchants;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Payments;

/// <summary>What processor webhooks do to payments (<see cref="ApplyProcessorEvent"/>), over the real embedded stores.</summary>
public sealed class ProcessorNotificationTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin-1", "admin@portal.example", "Admin", null, "10.0.0.1");
    private readonly EmbeddedTestBed _bed = new("processor-notifications");
    private readonly FlakyProcessor _processor = new();
    private SqlitePaymentStore _store = default!;
    private PaymentUseCases _payments = default!;
    private Actor _merchant = default!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var merchantStore = new SqliteMerchantStore(_bed.Database("portal.db"));
        var merchants = new MerchantService(merchantStore, new MerchantPiiVault(_bed.Keys), new MerchantCursor(_bed.Keys), _bed.Audit, _bed.Clock);
        _store = new SqlitePaymentStore(_bed.Database("payments.db"), _bed.Clock, NullLogger<SqlitePaymentStore>.Instance);
        _payments = new PaymentUseCases(_store, _store, _processor, merchantStore, new PaymentFeed(), _bed.Audit, _bed.Keys, _bed.Clock);

        _merchant = await KybForms.ApprovedAsync(merchants, new Actor("user-m", "m@shop.example", "Merchant", Guid.CreateVersion7(), "10.0.0.9"), Admin, "424242", "Notified Ltd");
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await _bed.DisposeAsync();
    }

    private static readonly PaymentRequest Request = new(4200, "usd", "cus_1", "pm_card_visa", null, null, null, null, null);

    private async Task<Payment> PayAsync()
    {
        var result = await _payments.Initiate.InitiateAsync(_merchant, Request, Guid.NewGuid().ToString("N"), Ct);
        result.Succeeded.ShouldBeTrue(result.Error?.Message);
        return result.Value.Payment;
    }

    [Fact]
    public async Task A_charge_that_timed_out_is_found_by_its_portal_id_and_takes_the_processors_reference()
    {
        _processor.TimeOut = true;
        var unconfirmed = await _payments.Initiate.InitiateAsync(_merchant, Request, "key-timeout", Ct);
        unconfirmed.Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Unconfirmed);
        var payment = (await _store.ListAsync(new PaymentListQuery(_merchant.MerchantId), Ct)).Items.ShouldHaveSingleItem();
        payment.Status.ShouldBe(PaymentStatus.Pending); // maybe charged: never "failed, try a new key"
        payment.ProcessorReference.ShouldBeNull();

        // Stripe did charge: its webhook names the PaymentIntent and echoes the portal's payment id in the metadata.
        (await _payments.Events.ApplyAsync(new ProcessorNotification(ProcessorNotificationType.Succeeded, "pi_late", "evt_1", Amount: 4200, PaymentId: payment.Id), Ct)).ShouldBeTrue();

        var stored = (await _store.GetAsync(payment.Id, Ct))!;
        stored.Status.ShouldBe(PaymentStatus.Succeeded);
        stored.ProcessorReference.ShouldBe("pi_late");
        (await _store.ForPaymentAsync(payment.Id, Ct)).Select(e => e.Type).ShouldContain(PaymentEventTypes.Succeeded);

        // Later events carry only the reference, and now find it.
        (await _payments.Events.ApplyAsync(new ProcessorNotification(ProcessorNotificationType.Refunded, "pi_late", "evt_2", Amount: 1000), Ct)).ShouldBeTrue();
        (await _store.GetAsync(payment.Id, Ct))!.RefundedAmount.ShouldBe(1000);

        // The client retries with the same key once it counts as abandoned: it gets the settled payment, no new charge.
        _processor.TimeOut = false;
        _bed.Clock.Advance(new PaymentOptions().ConcurrentRequestWait * 3);
        var retried = (await _payments.Initiate.InitiateAsync(_merchant, Request, "key-timeout", Ct)).Value.ShouldNotBeNull();
        retried.Replayed.ShouldBeTrue();
        retried.Payment.Status.ShouldBe(PaymentStatus.PartiallyRefunded);
        _processor.Charges.ShouldBe(1); // only the first, unconfirmed attempt
        (await _payments.Initiate.InitiateAsync(_merchant, Request, "key-timeout", Ct)).Value!.Payment.Status.ShouldBe(PaymentStatus.PartiallyRefunded);
    }

    [Fact]
    public async Task An_echoed_id_never_moves_a_payment_the_processor_already_knows_by_another_reference()
    {
        var payment = await PayAsync();
        payment.ProcessorReference.ShouldBe("pi_" + payment.Id.ToString("N"));

        (await _payments.Events.ApplyAsync(new ProcessorNotification(ProcessorNotificationType.DisputeCreated, "pi_other", "evt_3", PaymentId: payment.Id), Ct)).ShouldBeFalse();
        (await _payments.Events.ApplyAsync(new ProcessorNotification(ProcessorNotificationType.DisputeCreated, "pi_unknown", "evt_4"), Ct)).ShouldBeFalse();

        (await _store.GetAsync(payment.Id, Ct))!.Status.ShouldBe(PaymentStatus.Succeeded);
    }

    [Theory]
    [InlineData("rate_limit", true)]
    [InlineData("processing_error", true)]
    [InlineData("api_connection_error", true)]
    [InlineData("card_declined", false)]
    [InlineData("insufficient_funds", false)]
    [InlineData(null, false)]
    public async Task A_failure_reported_by_webhook_is_retryable_as_its_failure_code_says(string? code, bool retryable)
    {
        _processor.TimeOut = true;
        (await _payments.Initiate.InitiateAsync(_merchant, Request, "key-" + (code ?? "none"), Ct)).Error.ShouldNotBeNull().Kind.ShouldBe(ErrorKind.Unconfirmed);
        var pending = (await _store.ListAsync(new PaymentListQuery(_merchant.MerchantId), Ct)).Items.ShouldHaveSingleItem();

        (await _payments.Events.ApplyAsync(new ProcessorNotification(ProcessorNotificationType.Failed, "pi_failed", "evt_f", FailureCode: code, Message: "no",
            PaymentId: pending.Id), Ct)).ShouldBeTrue();

        var failed = (await _store.GetAsync(pending.Id, Ct))!;
        failed.Status.ShouldBe(PaymentStatus.Failed);
        failed.FailureCode.ShouldBe(code ?? "processor_declined");
        failed.Retryable.ShouldBe(retryable);
    }

    [Fact]
    public async Task The_same_notification_twice_changes_the_payment_once()
    {
        var payment = await PayAsync();
        var dispute = new ProcessorNotification(ProcessorNotificationType.DisputeCreated, payment.ProcessorReference!, "evt_5", Amount: 4200, DisputeId: "dp_1");

        (await _payments.Events.ApplyAsync(dispute, Ct)).ShouldBeTrue();
        (await _payments.Events.ApplyAsync(dispute, Ct)).ShouldBeTrue();

        (await _store.ForPaymentAsync(payment.Id, Ct)).Count(e => e.Type == PaymentEventTypes.DisputeCreated).ShouldBe(1);
        (await _store.GetAsync(payment.Id, Ct))!.Version.ShouldBe(payment.Version + 1);
    }

    /// <summary>A money-moving processor whose charge request can time out (the charge may still have happened).</summary>
    private sealed class FlakyProcessor : IPaymentProcessor
    {
        public bool TimeOut { get; set; }

        public int Charges { get; private set; }

        public string Name => "flaky";

        public Task<ProcessorResult> ChargeAsync(ProcessorCharge charge, CancellationToken cancellationToken)
        {
            Charges++;
            return TimeOut ? throw new TimeoutException("no answer") : Task.FromResult(new ProcessorResult(ProcessorOutcome.Succeeded, "pi_" + charge.PaymentId.ToString("N")));
        }

        public Task<ProcessorResult> RefundAsync(ProcessorRefund refund, CancellationToken cancellationToken) =>
            Task.FromResult(new ProcessorResult(ProcessorOutcome.Succeeded, new RefundId(refund.RefundId).ToString()));
    }
}
