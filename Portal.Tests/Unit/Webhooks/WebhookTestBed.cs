using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Core;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Unit.Webhooks;

/// <summary>The webhook services over a real SQLite store in a temp folder, a fake clock, a fake outbox and a scripted HTTP handler.</summary>
internal sealed class WebhookTestBed : IAsyncDisposable
{
    private readonly EmbeddedTestBed _bed = new("webhook-tests");

    public WebhookTestBed(Action<WebhookOptions>? configure = null)
    {
        Options.Jitter = 0;
        configure?.Invoke(Options);
        var monitor = new StaticOptionsMonitor<WebhookOptions>(Options);
        Store = new SqliteWebhookStore(_bed.Database("portal.db"));
        var keys = _bed.Keys;
        var protector = new WebhookSecretProtector(keys);
        var urls = new WebhookUrlPolicy(monitor);
        Sender = new WebhookSender(Store, protector, urls, new HandlerClientFactory(Handler), monitor, Clock, NullLogger<WebhookSender>.Instance);
        Worker = new WebhookDeliveryWorker(Store, Sender, Signal, monitor, Clock, NullLogger<WebhookDeliveryWorker>.Instance);
        Dispatcher = new WebhookDispatcher(new NoServices(), Store, Signal, monitor, Clock, NullLogger<WebhookDispatcher>.Instance);
        Service = new WebhookService(Store, protector, new WebhookEndpointRequestValidator(urls), urls, Sender, Audit, new WebhookCursor(keys), monitor, Clock);
    }

    public WebhookOptions Options { get; } = new() { AllowInsecureUrls = true };

    public FakeTimeProvider Clock => _bed.Clock;

    public Actor Merchant { get; } = new("user-1", "m1@example.com", "Merchant", Guid.CreateVersion7(), "127.0.0.1");

    public Actor OtherMerchant { get; } = new("user-2", "m2@example.com", "Merchant", Guid.CreateVersion7(), "127.0.0.1");

    public AuditService Audit => _bed.Audit;

    public SqliteWebhookStore Store { get; }

    public WebhookSignal Signal { get; } = new();

    public ScriptedHandler Handler { get; } = new();

    public FakeEventOutbox Outbox { get; } = new();

    public WebhookSender Sender { get; }

    public WebhookDeliveryWorker Worker { get; }

    public WebhookDispatcher Dispatcher { get; }

    public WebhookService Service { get; }

    public async Task<WebhookEndpointWithSecret> EndpointAsync(Actor? actor = null, string url = "https://hooks.example.com/portal", IReadOnlyList<string>? events = null, bool enabled = true)
    {
        var result = await Service.CreateEndpointAsync(actor ?? Merchant, new WebhookEndpointRequest { Url = url, EnabledEvents = events ?? ["*"], Enabled = enabled });
        result.Succeeded.ShouldBeTrue(result.Error?.Explanation);
        return result.Value!;
    }

    public async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(Actor? actor = null) =>
        (await Store.ListDeliveriesAsync(new WebhookDeliveryQuery((actor ?? Merchant).MerchantId!.Value, Limit: 500), CancellationToken.None)).Items;

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}

internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

internal sealed class HandlerClientFactory(HttpMessageHandler handler) : IHttpClientFactory
{
    public HttpClient CreateClient(string name) => new(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
}

/// <summary>Answers with <see cref="Respond"/> and keeps every request it saw (headers and body).</summary>
internal sealed class ScriptedHandler : HttpMessageHandler
{
    public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Respond { get; set; } =
        (_, _) => Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("ok") });

    public ConcurrentQueue<Received> Requests { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
        Requests.Enqueue(new Received(request.RequestUri!, request.Headers.GetValues(WebhookSigner.HeaderName).Single(), request.Headers.UserAgent.ToString(),
            request.Content.Headers.ContentType?.MediaType, body,
            request.Headers.TryGetValues(Portal.Core.Diagnostics.TraceIds.Header, out var trace) ? trace.Single() : null));
        return await Respond(request, cancellationToken);
    }

    internal sealed record Received(Uri Uri, string Signature, string UserAgent, string? ContentType, byte[] Body, string? TraceId = null);
}
