using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Disputes;
using Portal.Core.Merchants;
using Portal.Core.Payments;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Merchants;

/// <summary>The merchant record over the real services: every section filled from what the merchant did, staff only.</summary>
public sealed class MerchantRecordQueriesTests : IAsyncLifetime
{
    private readonly PortalFactory _factory = new PortalFactory().WithSetting("Operations:SelfCheck:RunEvery", "00:00:00");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    private MerchantRecordQueries Records => _factory.Services.GetRequiredService<MerchantRecordQueries>();

    [Fact]
    public async Task Admin_sees_kyb_history_payments_keys_audit_and_one_timeline_of_them()
    {
        var (merchant, key) = await _factory.ApprovedMerchantKeyAsync();
        using var client = _factory.ClientWithBearer(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = new StringContent("""{"amount": 1200, "currency": "gbp", "customer_id": "cus_9", "payment_method": "pm_card_visa", "order_id": "o-1"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", "record-1");
        ((int)(await client.SendAsync(request, Ct)).StatusCode).ShouldBe(201);
        var (_, admin) = await _factory.CreateUserAsync(PortalRoles.Admin);

        var record = (await Records.LoadAsync(admin, merchant.MerchantId!.Value, Ct)).ShouldNotBeNull();

        record.Merchant.Status.ShouldBe(MerchantStatus.Approved);
        record.Risk.KybStatus.ShouldBe(MerchantStatus.Approved);
        record.History.ShouldNotBeEmpty();
        record.RecentPayments.ShouldHaveSingleItem().Amount.ShouldBe(1200);
        record.PaymentDays.Sum(d => d.Payments).ShouldBe(1);
        record.Risk.LastPaymentAt.ShouldNotBeNull();
        record.Risk.FraudBlockRatePercent.ShouldBe(0);
        record.ApiKeys.ShouldHaveSingleItem().LastUsedAt.ShouldNotBeNull();
        record.AuditEvents.ShouldContain(e => e.Target == new MerchantId(merchant.MerchantId.Value).ToString());
        record.Timeline.Select(e => e.Kind).Distinct().ShouldBe([MerchantRecordKind.Kyb, MerchantRecordKind.Payment, MerchantRecordKind.ApiKey, MerchantRecordKind.Audit], ignoreOrder: true);
        record.Timeline.ShouldBe(record.Timeline.OrderByDescending(e => e.At).ToList());
    }

    [Fact]
    public async Task Compliance_reads_the_record_and_a_merchant_cannot_even_its_own()
    {
        var (merchant, _) = await _factory.ApprovedMerchantKeyAsync();
        var (_, compliance) = await _factory.CreateUserAsync(PortalRoles.Compliance);

        (await Records.LoadAsync(compliance, merchant.MerchantId!.Value, Ct)).ShouldNotBeNull();
        (await Records.LoadAsync(merchant, merchant.MerchantId.Value, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task An_unknown_merchant_has_no_record()
    {
        var (_, admin) = await _factory.CreateUserAsync(PortalRoles.Admin);

        (await Records.LoadAsync(admin, Guid.CreateVersion7(), Ct)).ShouldBeNull();
    }
}

/// <summary>The record's figures from given rows: rates, daily series, endpoint health.</summary>
public sealed class MerchantRecordFiguresTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Dispute_rate_counts_disputes_per_payment_taken_and_block_rate_blocks_per_payment_attempted()
    {
        PaymentStatsBucket[] stats =
        [
            new(Day1, PaymentStatus.Succeeded, null, "gbp", 7, 7000),
            new(Day1.AddDays(1), PaymentStatus.Refunded, null, "gbp", 1, 1000),
            new(Day1, PaymentStatus.Failed, "card_declined", "gbp", 1, 500),
            new(Day1, PaymentStatus.Blocked, "fraud_blocked", "gbp", 1, 900),
        ];
        var disputes = new[] { Dispute(Day1), Dispute(Day1), Dispute(Day1.AddDays(-60)) };

        var risk = MerchantRecordQueries.Risk(MerchantStatus.Approved, stats, disputes, [], Day1.AddDays(-30));

        risk.DisputeRatePercent.ShouldBe(25); // 2 disputes in the window for 8 payments taken
        risk.FraudBlockRatePercent.ShouldBe(10); // 1 block of 10 attempts
        risk.LastPaymentAt.ShouldBeNull();
        var days = MerchantRecordQueries.PaymentDays(stats);
        days.Select(d => d.Payments).ShouldBe([9L, 1L]);
        days[0].SuccessRatePercent!.Value.ShouldBe(100.0 * 7 / 9, 0.001);
        days[0].SucceededAmount["gbp"].ShouldBe(7000);
    }

    [Fact]
    public void Without_payments_the_rates_are_unknown_not_zero()
    {
        var risk = MerchantRecordQueries.Risk(MerchantStatus.Approved, [], [Dispute(Day1)], [], Day1.AddDays(-30));

        risk.DisputeRatePercent.ShouldBeNull();
        risk.FraudBlockRatePercent.ShouldBeNull();
    }

    [Fact]
    public void Endpoint_health_counts_failed_and_retrying_deliveries_and_finds_the_oldest_pending()
    {
        var endpoint = new WebhookEndpoint(Guid.CreateVersion7(), Guid.CreateVersion7(), "https://hooks.example.com", null, ["*"], true, Day1, Day1);
        WebhookDelivery[] deliveries =
        [
            Delivery(endpoint, WebhookDeliveryStatus.Succeeded, 1, Day1),
            Delivery(endpoint, WebhookDeliveryStatus.Failed, 8, Day1.AddHours(1)),
            Delivery(endpoint, WebhookDeliveryStatus.Pending, 2, Day1.AddHours(2)),
            Delivery(endpoint, WebhookDeliveryStatus.Pending, 0, Day1.AddHours(3)),
        ];

        var health = MerchantRecordQueries.Health(endpoint, deliveries);

        health.FailureRatePercent.ShouldBe(50);
        health.OldestPendingSince.ShouldBe(Day1.AddHours(2));
    }

    private static Dispute Dispute(DateTimeOffset created) =>
        new(Guid.CreateVersion7(), "sandbox", "dp_1", Guid.CreateVersion7(), Guid.CreateVersion7(), "fraudulent", new Money(1000, "gbp"), created.AddDays(7),
            DisputeStatus.NeedsResponse, default, new DisputeEvidence(), [], created, created, created, "system", null, null, 1);

    private static WebhookDelivery Delivery(WebhookEndpoint endpoint, WebhookDeliveryStatus status, int attempts, DateTimeOffset created) =>
        new(Guid.CreateVersion7(), endpoint.MerchantId, endpoint.Id, Guid.CreateVersion7(), "payment.succeeded", "{}", status, attempts, null, null, null, null, created);
}
