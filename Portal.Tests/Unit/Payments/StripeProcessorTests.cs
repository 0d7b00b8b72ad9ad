using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Stripe;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Payments;

public sealed class StripeProcessorTests : IDisposable
{
    private const string SecretKey = "sk_test_51SecretKeyThatMustNeverLeak0123456789";

    private readonly FakeStripeHandler _stripe = new();
    private readonly ConcurrentQueue<string> _logs = new();
    private readonly ILoggerFactory _loggers;

    public StripeProcessorTests() => _loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(_logs)));

    public void Dispose() => _loggers.Dispose();

    private StripeProcessor Processor(string? apiBase = null) => new(
        Options.Create(new StripeOptions { SecretKey = SecretKey, WebhookSecret = "whsec_test", ApiBase = apiBase, MaxNetworkRetries = 0 }),
        new HttpClient(_stripe),
        _loggers.CreateLogger<StripeProcessor>());

    private static ProcessorCharge Charge(string customer = "customer-42") =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), 125_000, "NGN", customer, "pm_card_visa", "idem-" + Guid.NewGuid().ToString("N"));

    private const string DeclinedBody = """
        {"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
          "message": "Your card has insufficient funds.", "doc_url": "https://stripe.com/docs/error-codes/card-declined",
          "payment_intent": {"id": "pi_declined_1", "object": "payment_intent", "status": "requires_payment_method"}}}
        """;

    [Fact]
    public async Task Charge_posts_a_confirmed_payment_intent_with_the_portals_idempotency_key_and_secret_key()
    {
        _stripe.Respond(200, """{"id": "pi_3Abc", "object": "payment_intent", "status": "succeeded", "amount": 125000, "currency": "ngn"}""");
        var charge = Charge();

        var result = await Processor().ChargeAsync(charge, TestContext.Current.CancellationToken);

        var request = _stripe.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe("POST");
        request.Uri.AbsolutePath.ShouldBe("/v1/payment_intents");
        request.Headers["Idempotency-Key"].ShouldBe(charge.IdempotencyKey);
        request.Headers["Authorization"].ShouldBe("Bearer " + SecretKey);
        request.Form["amount"].ShouldBe("125000");
        request.Form["currency"].ShouldBe("ngn");
        request.Form["payment_method"].ShouldBe("pm_card_visa");
        request.Form["confirm"].ShouldBe("true");
        request.Form["automatic_payment_methods[enabled]"].ShouldBe("true");
        request.Form["automatic_payment_methods[allow_redirects]"].ShouldBe("never");
        request.Form["metadata[payment_id]"].ShouldBe(new PaymentId(charge.PaymentId).ToString());
        request.Form["metadata[merchant_id]"].ShouldBe(new MerchantId(charge.MerchantId).ToString());
        request.Form.ShouldNotContainKey("customer");

        result.ShouldBe(new ProcessorResult(ProcessorOutcome.Succeeded, "pi_3Abc"));
    }

    [Fact]
    public async Task Charge_and_refund_send_the_current_trace_id_in_the_payment_intents_metadata()
    {
        _stripe.Respond(200, """{"id": "pi_traced", "object": "payment_intent", "status": "succeeded"}""");
        _stripe.Respond(200, """{"id": "re_traced", "object": "refund", "status": "succeeded"}""");
        using var request = new System.Diagnostics.Activity("POST /api/v1/payments").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start();
        var traceId = request.TraceId.ToHexString();

        await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken);
        await Processor().RefundAsync(new ProcessorRefund(Guid.CreateVersion7(), Guid.CreateVersion7(), "pi_traced", 100, "NGN", "idem-r"), TestContext.Current.CancellationToken);

        _stripe.Requests.Select(r => r.Form["metadata[trace_id]"]).ShouldBe([traceId, traceId]);
    }

    [Fact]
    public async Task Outside_any_trace_no_trace_id_is_sent()
    {
        _stripe.Respond(200, """{"id": "pi_untraced", "object": "payment_intent", "status": "succeeded"}""");

        await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken);

        _stripe.Requests.ShouldHaveSingleItem().Form.ShouldNotContainKey("metadata[trace_id]");
    }

    [Fact]
    public async Task A_stripe_customer_id_is_sent_as_the_customer_and_a_configured_api_base_is_used()
    {
        _stripe.Respond(200, """{"id": "pi_1", "object": "payment_intent", "status": "succeeded"}""");

        await Processor(apiBase: "http://stripe-mock.local:12111").ChargeAsync(Charge(customer: "cus_Q1w2e3"), TestContext.Current.CancellationToken);

        var request = _stripe.Requests.ShouldHaveSingleItem();
        request.Form["customer"].ShouldBe("cus_Q1w2e3");
        request.Uri.Authority.ShouldBe("stripe-mock.local:12111");
    }

    [Fact]
    public async Task Card_declined_for_insufficient_funds_is_declined_with_that_code_and_a_safe_message()
    {
        _stripe.Respond(402, DeclinedBody);

        var result = await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken);

        result.Outcome.ShouldBe(ProcessorOutcome.Declined);
        result.FailureCode.ShouldBe("insufficient_funds");
        result.Reference.ShouldBe("pi_declined_1");
        result.Retryable.ShouldBeFalse();
        result.Message.ShouldBe("The card has insufficient funds.");
    }

    [Fact]
    public async Task The_declined_path_leaks_the_secret_key_neither_in_the_result_nor_in_the_logs()
    {
        _stripe.Respond(402, DeclinedBody);

        var result = await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken);

        result.ToString().ShouldNotContain(SecretKey);
        result.ToString().ShouldNotContain("sk_test");
        _logs.ShouldNotBeEmpty();
        _logs.ShouldAllBe(line => !line.Contains("sk_test", StringComparison.Ordinal) && !line.Contains("SecretKey", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rejected_credentials_are_an_error_and_stripes_masked_key_text_is_not_passed_on()
    {
        _stripe.Respond(401, """{"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****6789"}}""");

        var result = await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken);

        result.Outcome.ShouldBe(ProcessorOutcome.Error);
        result.FailureCode.ShouldBe("processor_configuration");
        result.ToString().ShouldNotContain("sk_test");
        _logs.ShouldAllBe(line => !line.Contains("sk_test", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(500, """{"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}""")]
    [InlineData(503, "<html>Service Unavailable</html>")]
    public async Task Stripe_side_failures_leave_the_outcome_unconfirmed_not_failed(int status, string body)
    {
        _stripe.Respond(status, body);

        var result = await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken);

        // Stripe may have charged: "failed, retry with a new key" could charge twice; the same key is safe.
        result.Outcome.ShouldBe(ProcessorOutcome.Unknown);
        result.Retryable.ShouldBeFalse();
        result.FailureCode.ShouldBe("processor_unconfirmed");
        result.Message!.ShouldContain("same idempotency key");
        result.Message!.ShouldNotContain("html");
    }

    [Theory]
    [InlineData(402, """{"error": {"type": "card_error", "code": "processing_error", "message": "An error occurred while processing your card."}}""", "processor_unavailable")]
    [InlineData(429, """{"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests."}}""", "rate_limited")]
    public async Task Card_processing_errors_and_rate_limits_are_retryable_errors(int status, string body, string code)
    {
        _stripe.Respond(status, body);

        var result = await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken);

        result.Outcome.ShouldBe(ProcessorOutcome.Error);
        result.Retryable.ShouldBeTrue();
        result.FailureCode.ShouldBe(code);
        result.Message!.ShouldNotContain("html");
    }

    [Fact]
    public async Task A_refused_connection_is_a_retryable_error()
    {
        _stripe.Fail(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (api.stripe.com:443)"));

        var result = await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken);

        result.Outcome.ShouldBe(ProcessorOutcome.Error);
        result.Retryable.ShouldBeTrue();
        result.FailureCode.ShouldBe("processor_unavailable");
    }

    [Fact]
    public async Task A_timeout_or_a_dropped_answer_leaves_the_outcome_unconfirmed()
    {
        _stripe.Fail(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException()));
        (await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken)).Outcome.ShouldBe(ProcessorOutcome.Unknown);

        _stripe.Fail(new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."));
        (await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken)).Outcome.ShouldBe(ProcessorOutcome.Unknown);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_turned_into_a_result()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        _stripe.Respond(200, """{"id": "pi_1", "object": "payment_intent", "status": "succeeded"}""");

        await Should.ThrowAsync<OperationCanceledException>(() => Processor().ChargeAsync(Charge(), cancelled.Token));
    }

    [Fact]
    public async Task A_card_that_needs_authentication_is_declined_not_left_waiting()
    {
        _stripe.Respond(402, """{"error": {"type": "card_error", "code": "authentication_required", "decline_code": "authentication_required", "message": "This payment requires authentication."}}""");

        var result = await Processor().ChargeAsync(Charge(), TestContext.Current.CancellationToken);

        _stripe.Requests.ShouldHaveSingleItem().Form["error_on_requires_action"].ShouldBe("true");
        result.Outcome.ShouldBe(ProcessorOutcome.Declined);
        result.FailureCode.ShouldBe("authentication_required");
    }

    [Fact]
    public async Task Refund_posts_the_payment_intent_amount_and_idempotency_key()
    {
        _stripe.Respond(200, """{"id": "re_3Xyz", "object": "refund", "status": "succeeded", "amount": 5000, "payment_intent": "pi_3Abc"}""");
        var refund = new ProcessorRefund(Guid.CreateVersion7(), Guid.CreateVersion7(), "pi_3Abc", 5_000, "ngn", "refund-key-1");

        var result = await Processor().RefundAsync(refund, TestContext.Current.CancellationToken);

        var request = _stripe.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe("POST");
        request.Uri.AbsolutePath.ShouldBe("/v1/refunds");
        request.Form["payment_intent"].ShouldBe("pi_3Abc");
        request.Form["amount"].ShouldBe("5000");
        request.Form["metadata[refund_id]"].ShouldBe(new RefundId(refund.RefundId).ToString());
        request.Headers["Idempotency-Key"].ShouldBe("refund-key-1");
        request.Headers["Authorization"].ShouldBe("Bearer " + SecretKey);
        result.ShouldBe(new ProcessorResult(ProcessorOutcome.Succeeded, "re_3Xyz"));
    }

    [Fact]
    public async Task Refunding_an_already_refunded_payment_is_declined()
    {
        _stripe.Respond(400, """{"error": {"type": "invalid_request_error", "code": "charge_already_refunded", "message": "Charge ch_1 has already been refunded."}}""");

        var result = await Processor().RefundAsync(new ProcessorRefund(Guid.CreateVersion7(), Guid.CreateVersion7(), "pi_1", 100, "ngn", "k"), TestContext.Current.CancellationToken);

        result.Outcome.ShouldBe(ProcessorOutcome.Declined);
        result.FailureCode.ShouldBe("charge_already_refunded");
    }
}

/// <summary>Stands in for api.stripe.com: records each request (headers, form fields) and answers the queued response.</summary>
internal sealed class FakeStripeHandler : HttpMessageHandler
{
    private readonly Queue<Func<HttpResponseMessage>> _answers = new();

    public List<RecordedRequest> Requests { get; } = [];

    public void Respond(int status, string json) =>
        _answers.Enqueue(() => new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(json, Encoding.UTF8, "application/json") });

    public void Fail(Exception exception) => _answers.Enqueue(() => throw exception);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var contentType = request.Content?.Headers.ContentType?.MediaType ?? "";
        var form = contentType != "application/x-www-form-urlencoded" ? new Dictionary<string, string>() : body.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");
        Requests.Add(new RecordedRequest(request.Method.Method, request.RequestUri!, headers, form) { ContentType = contentType, Body = body });
        return _answers.Count == 0 ? new HttpResponseMessage(HttpStatusCode.NotImplemented) : _answers.Dequeue()();
    }

    public sealed record RecordedRequest(string Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, IReadOnlyDictionary<string, string> Form)
    {
        /// <summary>The body's media type: form-encoded for API calls, multipart for file uploads.</summary>
        public string ContentType { get; init; } = "";

        public string Body { get; init; } = "";
    }
}
