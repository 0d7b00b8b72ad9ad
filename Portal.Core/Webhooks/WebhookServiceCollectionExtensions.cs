using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Portal.Core.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Outgoing webhooks: options, use cases, the signed HTTP client and the two background services (dispatcher, delivery
    /// worker). The store comes from the storage adapter set; the event outbox, optionally, from the payment store.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookSecretProtector>();
        services.AddSingleton<WebhookCursor>();
        services.AddSingleton<WebhookUrlPolicy>();
        services.AddSingleton<WebhookEndpointRequestValidator>();
        // Every durable payment change is published on the feed: wake the dispatcher then rather than at its next poll.
        services.AddSingleton(sp =>
        {
            var signal = new WebhookSignal();
            sp.GetRequiredService<Payments.PaymentFeed>().Subscribe(_ => signal.Notify());
            return signal;
        });
        services.AddSingleton<IWebhookSignal>(sp => sp.GetRequiredService<WebhookSignal>());
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookService>();
        services.AddHttpClient(WebhookSender.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan) // the sender's own timeout, on the injected clock
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false, // a redirect could lead anywhere, including inside
                UseCookies = false,
                UseProxy = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                ConnectCallback = sp.GetRequiredService<WebhookUrlPolicy>().ConnectAsync,
            });
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<WebhookDeliveryWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDeliveryWorker>());
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        return services;
    }
}

internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options) =>
        options.RetryDelays.Any(d => d < TimeSpan.Zero || d > TimeSpan.FromDays(1))
            ? ValidateOptionsResult.Fail("Webhooks:RetryDelays must each be between 0 and 1 day.")
            : ValidateOptionsResult.Success;
}
