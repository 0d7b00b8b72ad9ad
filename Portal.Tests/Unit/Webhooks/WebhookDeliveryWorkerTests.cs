using System.Net;
using System.Text;
using Portal.Core.Payments;
using Portal.Core.Webhooks;

namespace Portal.Tests.Unit.Webhooks;

public sealed class WebhookDeliveryWorkerTests : IAsyncLifetime
{
    private WebhookTestBed _bed = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    private async Task<(WebhookEndpointWithSecret Endpoint, PaymentEvent Event)> OneDeliveryAsync()
    {
        var endpoint = await _bed.EndpointAsync();
        var e = _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded, at: _bed.Clock.GetUtcNow());
        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);
        return (endpoint, e);
    }

    private async Task<WebhookDelivery> OnlyDeliveryAsync() => (await _bed.DeliveriesAsync()).Single();

    private Task<IReadOnlyList<WebhookAttempt>> AttemptsAsync(WebhookDelivery d) => _bed.Store.AttemptsAsync(d.Id, CancellationToken.None);

    [Fact]
    public async Task A_2xx_answer_delivers_a_signed_json_post_the_receiver_can_verify()
    {
        var (endpoint, e) = await OneDeliveryAsync();

        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(1);

        var request = _bed.Handler.Requests.Single();
        request.Uri.ShouldBe(new Uri("https://hooks.example.com/portal"));
        request.ContentType.ShouldBe("application/json");
        request.UserAgent.ShouldStartWith("MerchantPortal-Webhooks/");
        WebhookSigner.Verify(request.Signature, endpoint.Secret, request.Body, _bed.Clock.GetUtcNow()).ShouldBeTrue();
        request.Signature.ShouldStartWith($"t={_bed.Clock.GetUtcNow().ToUnixTimeSeconds()},v1=");
        var json = System.Text.Json.JsonDocument.Parse(request.Body).RootElement;
        json.GetProperty("id").GetString().ShouldBe(e.DisplayId);
        json.GetProperty("type").GetString().ShouldBe(PaymentEventTypes.Succeeded);

        var delivery = await OnlyDeliveryAsync();
        delivery.Status.ShouldBe(WebhookDeliveryStatus.Succeeded);
        delivery.AttemptCount.ShouldBe(1);
        delivery.NextAttemptAt.ShouldBeNull();
        delivery.LastStatusCode.ShouldBe(200);
        var attempt = (await AttemptsAsync(delivery)).Single();
        (attempt.Number, attempt.StatusCode, attempt.Error, attempt.ResponseSnippet, attempt.Manual).ShouldBe((1, 200, (string?)null, "ok", false));
        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(0); // nothing left
    }

    [Fact]
    public async Task A_500_is_retried_with_backoff_at_the_scheduled_times()
    {
        _bed.Handler.Respond = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("boom") });
        await OneDeliveryAsync();
        var start = _bed.Clock.GetUtcNow();

        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(1);
        var delivery = await OnlyDeliveryAsync();
        (delivery.Status, delivery.AttemptCount, delivery.NextAttemptAt, delivery.LastStatusCode).ShouldBe((WebhookDeliveryStatus.Pending, 1, start.AddSeconds(10), 500));

        _bed.Clock.Advance(TimeSpan.FromSeconds(9));
        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(0); // not before 10 s
        _bed.Clock.Advance(TimeSpan.FromSeconds(1));
        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(1);
        (await OnlyDeliveryAsync()).NextAttemptAt.ShouldBe(start.AddSeconds(10 + 30));

        _bed.Clock.Advance(TimeSpan.FromSeconds(29));
        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(0);
        _bed.Clock.Advance(TimeSpan.FromSeconds(1));
        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(1);
        (await OnlyDeliveryAsync()).NextAttemptAt.ShouldBe(start.AddSeconds(40).AddMinutes(2));

        var attempts = await AttemptsAsync(await OnlyDeliveryAsync());
        attempts.Select(a => a.Number).ShouldBe([1, 2, 3]);
        attempts.Select(a => a.AttemptedAt).ShouldBe([start, start.AddSeconds(10), start.AddSeconds(40)]);
        attempts.ShouldAllBe(a => a.StatusCode == 500 && a.Error == "HTTP 500" && a.ResponseSnippet == "boom");
        _bed.Handler.Requests.Count.ShouldBe(3);
    }

    [Fact]
    public async Task Jitter_only_ever_delays_a_retry_by_up_to_its_share()
    {
        await _bed.DisposeAsync();
        _bed = new WebhookTestBed(o => o.Jitter = 0.5);
        _bed.Handler.Respond = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway));
        await OneDeliveryAsync();
        var start = _bed.Clock.GetUtcNow();

        await _bed.Worker.DeliverDueAsync(CancellationToken.None);

        var next = (await OnlyDeliveryAsync()).NextAttemptAt!.Value;
        next.ShouldBeGreaterThanOrEqualTo(start.AddSeconds(10));
        next.ShouldBeLessThanOrEqualTo(start.AddSeconds(15));
    }

    [Fact]
    public async Task The_worker_gives_up_after_the_maximum_attempts()
    {
        await _bed.DisposeAsync();
        _bed = new WebhookTestBed(o =>
        {
            o.MaxAttempts = 3;
            o.RetryDelays = [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)];
        });
        _bed.Handler.Respond = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        await OneDeliveryAsync();

        for (var i = 0; i < 5; i++)
        {
            await _bed.Worker.DeliverDueAsync(CancellationToken.None);
            _bed.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        var delivery = await OnlyDeliveryAsync();
        (delivery.Status, delivery.AttemptCount, delivery.NextAttemptAt).ShouldBe((WebhookDeliveryStatus.Failed, 3, (DateTimeOffset?)null));
        _bed.Handler.Requests.Count.ShouldBe(3);
        (await AttemptsAsync(delivery)).Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_times_out_after_10_s_and_is_retried()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _bed.Handler.Respond = async (_, token) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        };
        await OneDeliveryAsync();
        var start = _bed.Clock.GetUtcNow();

        var round = _bed.Worker.DeliverDueAsync(CancellationToken.None);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        round.IsCompleted.ShouldBeFalse();
        _bed.Clock.Advance(TimeSpan.FromSeconds(10));
        (await round.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(1);

        var delivery = await OnlyDeliveryAsync();
        (delivery.Status, delivery.LastStatusCode, delivery.LastError).ShouldBe((WebhookDeliveryStatus.Pending, (int?)null, "Timed out after 10 s"));
        delivery.NextAttemptAt.ShouldBe(start.AddSeconds(10 + 10));
        var attempt = (await AttemptsAsync(delivery)).Single();
        (attempt.StatusCode, attempt.Error, attempt.DurationMs).ShouldBe(((int?)null, "Timed out after 10 s", 10_000L));
    }

    [Fact]
    public async Task A_connection_error_is_recorded_and_only_1_KB_of_an_answer_is_kept()
    {
        _bed.Handler.Respond = (_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        await OneDeliveryAsync();

        await _bed.Worker.DeliverDueAsync(CancellationToken.None);
        (await OnlyDeliveryAsync()).LastError.ShouldBe("Connection failed (ConnectionRefused)");

        _bed.Handler.Respond = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent(new string('x', 5000), Encoding.UTF8) });
        _bed.Clock.Advance(TimeSpan.FromSeconds(10));
        await _bed.Worker.DeliverDueAsync(CancellationToken.None);
        var last = (await AttemptsAsync(await OnlyDeliveryAsync()))[^1];
        (last.StatusCode, last.ResponseSnippet!.Length).ShouldBe((400, 1024));
    }

    [Fact]
    public async Task An_http_url_saved_while_allowed_is_refused_at_delivery_once_it_is_not()
    {
        await _bed.EndpointAsync(url: "http://hooks.example.com/portal");
        _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded);
        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);
        _bed.Options.AllowInsecureUrls = false;

        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(1);

        var delivery = await OnlyDeliveryAsync();
        delivery.LastError.ShouldBe("Refused to send: The URL must use https.");
        delivery.Status.ShouldBe(WebhookDeliveryStatus.Pending);
        _bed.Handler.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Deliveries_of_a_deleted_or_disabled_endpoint_are_closed_without_sending()
    {
        var (endpoint, _) = await OneDeliveryAsync();
        (await _bed.Service.DeleteEndpointAsync(_bed.Merchant, endpoint.Endpoint.Id)).Succeeded.ShouldBeTrue();

        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(0);

        var delivery = await OnlyDeliveryAsync();
        (delivery.Status, delivery.LastError).ShouldBe((WebhookDeliveryStatus.Failed, "Endpoint deleted"));
        _bed.Handler.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Many_endpoints_are_sent_to_in_parallel_and_each_delivery_once()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = 0;
        var maxInFlight = 0;
        _bed.Handler.Respond = async (_, token) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            if (now >= 4)
            {
                release.TrySetResult();
            }

            await release.Task.WaitAsync(TimeSpan.FromSeconds(5), token);
            Interlocked.Decrement(ref inFlight);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        };
        for (var i = 0; i < 4; i++)
        {
            await _bed.EndpointAsync(url: $"https://hooks{i}.example.com/portal");
        }

        for (var i = 0; i < 3; i++)
        {
            _bed.Outbox.Add(_bed.Merchant.MerchantId!.Value, PaymentEventTypes.Succeeded);
        }

        await _bed.Dispatcher.DispatchOnceAsync(_bed.Outbox, CancellationToken.None);

        (await _bed.Worker.DeliverDueAsync(CancellationToken.None)).ShouldBe(12);
        maxInFlight.ShouldBe(4);
        (await _bed.DeliveriesAsync()).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Succeeded && d.AttemptCount == 1);
        _bed.Handler.Requests.Count.ShouldBe(12);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
