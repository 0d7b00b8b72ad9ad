using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Adapters.Stripe;
using Portal.Core.Disputes;
using Portal.Core.Payments;

namespace Portal.Core;

public static class DisputesServiceCollectionExtensions
{
    /// <summary>
    /// The disputes feature: options (section <c>Disputes</c>), the store (SQLite in portal.db unless an adapter set registered
    /// another), the dispute processor (Stripe when <c>Payments:Processor</c> is <c>stripe</c>, else the sandbox), processor event
    /// handling, the use cases and the deadline sweep.
    /// </summary>
    public static IServiceCollection AddDisputes(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DisputeOptions>().BindConfiguration(DisputeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IDisputeStore>(sp => new SqliteDisputeStore(sp.GetRequiredKeyedService<SqliteDatabase>("portal")));
        if (string.Equals(configuration[StripeServiceCollectionExtensions.ProcessorKey], "stripe", StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<IDisputeProcessor>(sp => new StripeDisputeProcessor(
                sp.GetRequiredService<IOptions<StripeOptions>>(),
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(StripeProcessor.HttpClientName),
                sp.GetRequiredService<Kyc.IDocumentStore>(),
                sp.GetRequiredService<ILogger<StripeDisputeProcessor>>()));
        }
        else
        {
            services.AddSingleton<IDisputeProcessor, SandboxDisputeProcessor>();
        }

        services.AddSingleton<DisputeOutbox>();
        services.AddSingleton<ApplyDisputeEvent>();
        services.AddSingleton<IDisputeEvents>(sp => sp.GetRequiredService<ApplyDisputeEvent>());
        services.AddSingleton<DisputeService>();
        services.AddSingleton<EvidencePackBuilder>();
        services.AddSingleton<DisputeSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<DisputeSweeper>());
        return services;
    }
}
