using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Core.Webhooks;

/// <summary>
/// One attempt of one delivery: signs the stored body with the endpoint's secret, POSTs it with a timeout, records the
/// attempt (status or error, duration, at most 1 KB of the answer) and the delivery's next state. Never logs the URL,
/// the body or the secret.
/// </summary>
public sealed class WebhookSender(
    IWebhookStore store,
    WebhookSecretProtector secrets,
    WebhookUrlPolicy urls,
    IHttpClientFactory httpClients,
    IOptionsMonitor<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookSender> logger)
{
    public const string ClientName = "webhooks";
    public const string UserAgent = "MerchantPortal-Webhooks/1.0 (+https://portal.example/docs/webhooks)";

    /// <summary>
    /// Sends now. <paramref name="manual"/> (a replay) leaves the automatic retry schedule alone. Returns null, without an
    /// attempt, when the endpoint is gone or (for automatic attempts) disabled; the delivery is then closed as failed.
    /// </summary>
    public async Task<WebhookAttempt?> SendAsync(WebhookDelivery delivery, bool manual, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var stored = await store.GetEndpointForSendingAsync(delivery.EndpointId, cancellationToken);
        if (stored is null || stored.Deleted || (!stored.Endpoint.Enabled && !manual))
        {
            if (!manual)
            {
                await store.CloseDeliveryAsync(delivery.Id, stored is { Deleted: false } ? "Endpoint disabled" : "Endpoint deleted", cancellationToken);
            }

            return null;
        }

        var settings = options.CurrentValue;
        var secret = secrets.Open(stored.Endpoint.Id, stored.SealedSecret);
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        var attemptedAt = clock.GetUtcNow();
        var started = clock.GetTimestamp();
        int? status = null;
        string? error = null;
        string? snippet = null;
        using var timeout = new CancellationTokenSource(settings.Timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // The rules may have tightened since the URL was saved (AllowInsecureUrls turned off): checked again before every send.
            if (urls.CheckFormat(stored.Endpoint.Url) is { } refused)
            {
                throw new WebhookAddressRefusedException(new Uri(stored.Endpoint.Url).Host, refused);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, stored.Endpoint.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(WebhookSigner.HeaderName, WebhookSigner.Sign(secret, attemptedAt.ToUnixTimeSeconds(), body));
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            // One trace from the request that caused the event to the merchant's endpoint: the header names it, and the
            // delivery's span continues it, so the traceparent sent (HttpClient instrumentation) carries the same trace id.
            using var span = Diagnostics.PortalActivities.StartContinuing("webhook.deliver", delivery.TraceId);
            if (delivery.TraceId is { } traceId)
            {
                request.Headers.TryAddWithoutValidation(Diagnostics.TraceIds.Header, traceId);
            }

            using var client = httpClients.CreateClient(ClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            status = (int)response.StatusCode;
            snippet = await ReadSnippetAsync(response, linked.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // shutting down: no attempt recorded, the claim's lease brings the delivery back
        }
        catch (OperationCanceledException) when (status is null)
        {
            error = $"Timed out after {settings.Timeout.TotalSeconds:0.#} s";
        }
        catch (HttpRequestException ex) when (status is null)
        {
            error = Describe(ex);
        }
        catch (WebhookAddressRefusedException ex)
        {
            error = ex.Message;
        }

        var duration = (long)clock.GetElapsedTime(started).TotalMilliseconds;
        var now = clock.GetUtcNow();
        var succeeded = status is >= 200 and < 300;
        var number = delivery.AttemptCount + 1;
        var update = succeeded ? new WebhookDeliveryUpdate(WebhookDeliveryStatus.Succeeded, null)
            : manual ? (delivery.Status == WebhookDeliveryStatus.Pending ? new WebhookDeliveryUpdate(WebhookDeliveryStatus.Pending, delivery.NextAttemptAt ?? now) : new WebhookDeliveryUpdate(WebhookDeliveryStatus.Failed, null))
            : number >= settings.MaxAttempts ? new WebhookDeliveryUpdate(WebhookDeliveryStatus.Failed, null)
            : new WebhookDeliveryUpdate(WebhookDeliveryStatus.Pending, now + settings.RetryDelay(number, Random.Shared.NextDouble()));
        if (error is null && !succeeded)
        {
            error = $"HTTP {status}";
        }

        var attempt = await store.RecordAttemptAsync(
            new WebhookAttempt(Guid.CreateVersion7(attemptedAt), delivery.Id, number, attemptedAt, status, succeeded ? null : error, duration, snippet, manual),
            update,
            CancellationToken.None); // the request was sent: its outcome is recorded even during shutdown
        logger.LogInformation("Webhook {DeliveryId} attempt {Attempt} to {EndpointId}: {Outcome} in {DurationMs} ms; now {Status}",
            delivery.DisplayId, attempt.Number, stored.Endpoint.DisplayId, status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? error, duration, update.Status);
        return attempt;
    }

    private static async Task<string?> ReadSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[WebhookAttempt.MaxSnippetChars];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
            {
                read += n;
            }

            if (read == 0)
            {
                return null;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, read);
            return text.Length > WebhookAttempt.MaxSnippetChars ? text[..WebhookAttempt.MaxSnippetChars] : text;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return null; // the status code is what counts; a body cut short is no reason to fail the attempt
        }
    }

    private static string Describe(HttpRequestException ex)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case WebhookAddressRefusedException refused:
                    return refused.Message;
                case SocketException socket:
                    return $"Connection failed ({socket.SocketErrorCode})";
                default:
                    break;
            }
        }

        return $"Request failed ({ex.HttpRequestError})";
    }
}
