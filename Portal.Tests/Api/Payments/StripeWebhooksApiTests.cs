using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Payments;

public sealed class StripeWebhooksApiTests(StripeWebhooksApiTests.StripeFactory factory) : IClassFixture<StripeWebhooksApiTests.StripeFactory>
{
    private const string Secret = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH";
    private const string Path = "/api/v1/webhooks/stripe";

    /// <summary>The portal with Stripe as processor, a fake clock and a recording notification sink in place of the payment service.</summary>
    public sealed class StripeFactory : PortalFactory
    {
        public StripeFactory()
        {
            WithSetting("Payments:Processor", "stripe");
            WithSetting("Stripe:SecretKey", "sk_test_51NotUsedByTheseTests");
            WithSetting("Stripe:WebhookSecret", Secret);
        }

        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        public RecordingNotifications Sink { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Clock);
                services.AddSingleton<IProcessorNotifications>(Sink);
            });
        }
    }

    public sealed class RecordingNotifications : IProcessorNotifications
    {
        public ConcurrentQueue<ProcessorNotification> Received { get; } = new();

        public Task<bool> ApplyAsync(ProcessorNotification notification, CancellationToken cancellationToken)
        {
            if (notification.Reference.StartsWith("pi_explodes", StringComparison.Ordinal) && !Received.Any(n => n.EventId == notification.EventId))
            {
                Received.Enqueue(notification with { Message = "threw" });
                throw new InvalidOperationException("The payment store is unavailable.");
            }

            Received.Enqueue(notification);
            return Task.FromResult(!notification.Reference.StartsWith("pi_unknown", StringComparison.Ordinal));
        }

        public IReadOnlyList<ProcessorNotification> For(string eventId) => Received.Where(n => n.EventId == eventId).ToList();
    }

    private static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..20];

    private static string Event(string id, string type, string dataObject) => $$"""
        {
          "id": "{{id}}",
          "object": "event",
          "api_version": "2024-06-20",
          "created": 1764061200,
          "livemode": false,
          "pending_webhooks": 1,
          "request": {"id": null, "idempotency_key": null},
          "type": "{{type}}",
          "data": {"object": {{dataObject}}}
        }
        """;

    private static string PaymentIntent(string id, string status, string extra = "", string paymentId = "pay_1") =>
        $$"""{"id": "{{id}}", "object": "payment_intent", "amount": 125000, "amount_received": {{(status == "succeeded" ? 125000 : 0)}}, "currency": "ngn", "status": "{{status}}", "metadata": {"payment_id": "{{paymentId}}"}{{extra}}}""";

    /// <summary>Stripe's scheme, computed here independently of Stripe.net: v1 = hex(HMAC-SHA256(secret, "{t}.{payload}")).</summary>
    private static string Sign(string payload, DateTimeOffset at, string secret = Secret)
    {
        var t = at.ToUnixTimeSeconds();
        var v1 = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}")));
        return $"t={t},v1={v1}";
    }

    private async Task<HttpResponseMessage> DeliverAsync(string payload, string? signature)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }

        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private Task<HttpResponseMessage> DeliverSignedAsync(string payload) => DeliverAsync(payload, Sign(payload, factory.Clock.GetUtcNow()));

    [Fact]
    public async Task A_signed_payment_intent_succeeded_event_is_applied_as_succeeded()
    {
        var (eventId, pi) = (NewId("evt_"), NewId("pi_"));

        using var response = await DeliverSignedAsync(Event(eventId, "payment_intent.succeeded", PaymentIntent(pi, "succeeded")));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        factory.Sink.For(eventId).ShouldHaveSingleItem().ShouldBe(new ProcessorNotification(ProcessorNotificationType.Succeeded, pi, eventId, Amount: 125000));
    }

    [Fact]
    public async Task The_portal_payment_id_in_the_metadata_comes_with_the_notification()
    {
        var (eventId, pi, paymentId) = (NewId("evt_"), NewId("pi_"), Guid.CreateVersion7());

        using var response = await DeliverSignedAsync(Event(eventId, "payment_intent.succeeded", PaymentIntent(pi, "succeeded", paymentId: $"pay_{paymentId:N}")));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        factory.Sink.For(eventId).ShouldHaveSingleItem().PaymentId.ShouldBe(paymentId);
    }

    [Fact]
    public async Task A_payment_failed_event_carries_the_decline_code_of_the_last_payment_error()
    {
        var (eventId, pi) = (NewId("evt_"), NewId("pi_"));
        var failed = PaymentIntent(pi, "requires_payment_method",
            """, "last_payment_error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}""");

        (await DeliverSignedAsync(Event(eventId, "payment_intent.payment_failed", failed))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var notification = factory.Sink.For(eventId).ShouldHaveSingleItem();
        notification.Type.ShouldBe(ProcessorNotificationType.Failed);
        notification.Reference.ShouldBe(pi);
        notification.FailureCode.ShouldBe("insufficient_funds");
    }

    [Fact]
    public async Task A_charge_refunded_event_is_applied_to_the_charges_payment_intent_with_the_refunded_amount()
    {
        var (eventId, pi) = (NewId("evt_"), NewId("pi_"));
        var charge = $$"""{"id": "ch_1", "object": "charge", "amount": 125000, "amount_refunded": 40000, "currency": "ngn", "payment_intent": "{{pi}}", "refunded": false, "status": "succeeded"}""";

        (await DeliverSignedAsync(Event(eventId, "charge.refunded", charge))).StatusCode.ShouldBe(HttpStatusCode.OK);

        factory.Sink.For(eventId).ShouldHaveSingleItem().ShouldBe(new ProcessorNotification(ProcessorNotificationType.Refunded, pi, eventId, Amount: 40000));
    }

    [Fact]
    public async Task A_dispute_created_event_is_applied_with_its_id_amount_and_reason()
    {
        var (eventId, pi) = (NewId("evt_"), NewId("pi_"));
        var dispute = $$"""{"id": "dp_1Q2w3E", "object": "dispute", "amount": 125000, "currency": "ngn", "charge": "ch_1", "payment_intent": "{{pi}}", "reason": "fraudulent", "status": "needs_response"}""";

        (await DeliverSignedAsync(Event(eventId, "charge.dispute.created", dispute))).StatusCode.ShouldBe(HttpStatusCode.OK);

        factory.Sink.For(eventId).ShouldHaveSingleItem().ShouldBe(
            new ProcessorNotification(ProcessorNotificationType.DisputeCreated, pi, eventId, Amount: 125000, DisputeId: "dp_1Q2w3E", DisputeReason: "fraudulent",
                DisputeStatus: "needs_response", Currency: "ngn", OccurredAt: DateTimeOffset.FromUnixTimeSeconds(1764061200)));
    }

    [Theory]
    [InlineData("charge.dispute.updated", ProcessorNotificationType.DisputeUpdated, "under_review")]
    [InlineData("charge.dispute.closed", ProcessorNotificationType.DisputeClosed, "won")]
    public async Task Dispute_updated_and_closed_events_carry_the_status_deadline_and_event_time(string type, ProcessorNotificationType expected, string status)
    {
        var (eventId, pi) = (NewId("evt_"), NewId("pi_"));
        var dispute = $$"""{"id": "du_1Q2w3E", "object": "dispute", "amount": 125000, "currency": "ngn", "charge": "ch_1", "payment_intent": "{{pi}}", "reason": "fraudulent", "status": "{{status}}", "evidence_details": {"due_by": 1764892800, "has_evidence": true, "past_due": false, "submission_count": 1} }""";

        (await DeliverSignedAsync(Event(eventId, type, dispute))).StatusCode.ShouldBe(HttpStatusCode.OK);

        factory.Sink.For(eventId).ShouldHaveSingleItem().ShouldBe(
            new ProcessorNotification(expected, pi, eventId, Amount: 125000, DisputeId: "du_1Q2w3E", DisputeReason: "fraudulent", DisputeStatus: status,
                EvidenceDueBy: DateTimeOffset.FromUnixTimeSeconds(1764892800), Currency: "ngn", OccurredAt: DateTimeOffset.FromUnixTimeSeconds(1764061200)));
    }

    [Fact]
    public async Task The_same_event_delivered_twice_is_applied_once()
    {
        var (eventId, pi) = (NewId("evt_"), NewId("pi_"));
        var payload = Event(eventId, "payment_intent.succeeded", PaymentIntent(pi, "succeeded"));

        (await DeliverSignedAsync(payload)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await DeliverSignedAsync(payload)).StatusCode.ShouldBe(HttpStatusCode.OK);

        factory.Sink.For(eventId).Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_event_whose_processing_failed_is_processed_when_stripe_retries()
    {
        var (eventId, pi) = (NewId("evt_"), NewId("pi_explodes_"));
        var payload = Event(eventId, "payment_intent.succeeded", PaymentIntent(pi, "succeeded"));

        await (await DeliverSignedAsync(payload)).ShouldBeProblemAsync(500);
        (await DeliverSignedAsync(payload)).StatusCode.ShouldBe(HttpStatusCode.OK);

        factory.Sink.For(eventId).Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_signature_made_with_another_secret_is_refused()
    {
        var payload = Event(NewId("evt_"), "payment_intent.succeeded", PaymentIntent(NewId("pi_"), "succeeded"));

        using var response = await DeliverAsync(payload, Sign(payload, factory.Clock.GetUtcNow(), "whsec_someone_elses_secret"));

        (await response.ShouldBeProblemAsync(400)).GetProperty("title").GetString().ShouldBe("Invalid signature");
        factory.Sink.Received.ShouldNotContain(n => payload.Contains(n.EventId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_refused()
    {
        var eventId = NewId("evt_");
        var payload = Event(eventId, "charge.refunded", $$"""{"id": "ch_1", "object": "charge", "amount_refunded": 100, "payment_intent": "{{NewId("pi_")}}"}""");
        var signature = Sign(payload, factory.Clock.GetUtcNow());

        using var response = await DeliverAsync(payload.Replace("\"amount_refunded\": 100", "\"amount_refunded\": 100000", StringComparison.Ordinal), signature);

        (await response.ShouldBeProblemAsync(400)).GetProperty("title").GetString().ShouldBe("Invalid signature");
        factory.Sink.For(eventId).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    public async Task A_signature_more_than_five_minutes_from_the_clock_is_refused_as_a_replay(int minutes)
    {
        var eventId = NewId("evt_");
        var payload = Event(eventId, "payment_intent.succeeded", PaymentIntent(NewId("pi_"), "succeeded"));

        using var response = await DeliverAsync(payload, Sign(payload, factory.Clock.GetUtcNow().AddMinutes(minutes)));

        (await response.ShouldBeProblemAsync(400)).GetProperty("title").GetString().ShouldBe("Stale signature");
        factory.Sink.For(eventId).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_signature_four_minutes_old_is_accepted()
    {
        var eventId = NewId("evt_");
        var payload = Event(eventId, "payment_intent.succeeded", PaymentIntent(NewId("pi_"), "succeeded"));

        using var response = await DeliverAsync(payload, Sign(payload, factory.Clock.GetUtcNow().AddMinutes(-4)));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        factory.Sink.For(eventId).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task During_secret_rotation_any_matching_v1_entry_is_accepted()
    {
        var eventId = NewId("evt_");
        var payload = Event(eventId, "payment_intent.succeeded", PaymentIntent(NewId("pi_"), "succeeded"));
        var now = factory.Clock.GetUtcNow();
        var stale = Sign(payload, now, "whsec_the_old_secret").Split(',')[1];

        using var response = await DeliverAsync(payload, $"{Sign(payload, now).Split(',')[0]},{stale},{Sign(payload, now).Split(',')[1]}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        factory.Sink.For(eventId).ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("t=abc,v1=00")]
    [InlineData("t=99999999999999999,v1=00")]
    public async Task A_missing_or_unreadable_signature_header_is_refused(string? header)
    {
        var payload = Event(NewId("evt_"), "payment_intent.succeeded", PaymentIntent(NewId("pi_"), "succeeded"));

        using var response = await DeliverAsync(payload, header);

        var problem = await response.ShouldBeProblemAsync(400);
        problem.GetProperty("title").GetString().ShouldBe(string.IsNullOrEmpty(header) ? "Missing signature" : "Invalid signature");
    }

    [Theory]
    [InlineData("""{"id": "evt_1", "type": "payment_intent.succeeded", """)]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"id": "evt_x1", "object": "event", "type": "payment_intent.succeeded", "data": {}}""")]
    public async Task Malformed_json_with_a_valid_signature_is_refused(string payload)
    {
        using var response = await DeliverSignedAsync(payload);

        (await response.ShouldBeProblemAsync(400)).GetProperty("title").GetString().ShouldBe("Malformed event");
    }

    [Fact]
    public async Task An_event_type_the_portal_does_not_handle_is_acknowledged_and_ignored()
    {
        var eventId = NewId("evt_");

        using var response = await DeliverSignedAsync(Event(eventId, "customer.created", """{"id": "cus_1", "object": "customer", "email": "jane@example.com"}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        factory.Sink.For(eventId).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_event_for_an_unknown_payment_is_acknowledged_and_logged_by_event_id_without_the_payload()
    {
        var (eventId, pi) = (NewId("evt_"), NewId("pi_unknown_"));
        var payload = Event(eventId, "payment_intent.succeeded", PaymentIntent(pi, "succeeded", """, "receipt_email": "jane.doe@example.com" """));

        using var response = await DeliverSignedAsync(payload);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        factory.Sink.For(eventId).ShouldHaveSingleItem();
        factory.Logs.ShouldContain(line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains(eventId, StringComparison.Ordinal));
        factory.Logs.ShouldAllBe(line => !line.Contains("jane.doe@example.com", StringComparison.Ordinal) && !line.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_event_larger_than_the_general_api_limit_but_under_256_kb_is_accepted()
    {
        var eventId = NewId("evt_");
        var padding = new string('x', 150 * 1024);
        var payload = Event(eventId, "payment_intent.succeeded", PaymentIntent(NewId("pi_"), "succeeded", $$""", "description": "{{padding}}" """));

        (await DeliverSignedAsync(payload)).StatusCode.ShouldBe(HttpStatusCode.OK);
        factory.Sink.For(eventId).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_body_over_256_kb_is_refused_with_413()
    {
        var payload = Event(NewId("evt_"), "payment_intent.succeeded", PaymentIntent(NewId("pi_"), "succeeded", $$""", "description": "{{new string('x', 300 * 1024)}}" """));

        using var response = await DeliverSignedAsync(payload);

        await response.ShouldBeProblemAsync(413);
    }
}
