using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Adapters.Stripe;
using Portal.Core.Payments;

namespace Portal.Core;

public static class StripeServiceCollectionExtensions
{
    /// <summary>The configuration key that picks the payment processor (<c>sandbox</c>, <c>stripe</c>).</summary>
    public const string ProcessorKey = "Payments:Processor";

    /// <summary>
    /// When <c>Payments:Processor</c> is <c>stripe</c>: validated <see cref="StripeOptions"/>, <see cref="StripeProcessor"/> as the
    /// <see cref="IPaymentProcessor"/> (replacing any other) and the webhook receiver. Otherwise nothing, and the Stripe
    /// webhook endpoint answers 404. <see cref="IProcessorNotifications"/> comes from the payment service.
    /// </summary>
    public static IServiceCollection AddStripeProcessor(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!string.Equals(configuration[ProcessorKey], "stripe", StringComparison.OrdinalIgnoreCase))
        {
            return services;
        }

        services.AddOptions<StripeOptions>().BindConfiguration(StripeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(StripeProcessor.HttpClientName, (sp, client) =>
                client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<StripeOptions>>().Value.TimeoutSeconds))
            // One long-lived client in a singleton: the pooled connections are recycled instead of the handler, so DNS changes are seen.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.All })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.RemoveAll<IPaymentProcessor>();
        services.AddSingleton<IPaymentProcessor>(sp => new StripeProcessor(
            sp.GetRequiredService<IOptions<StripeOptions>>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(StripeProcessor.HttpClientName),
            sp.GetRequiredService<ILogger<StripeProcessor>>()));
        services.AddSingleton<StripeWebhookReceiver>();
        return services;
    }
}
