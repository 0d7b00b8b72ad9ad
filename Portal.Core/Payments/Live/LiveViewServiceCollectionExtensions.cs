using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Core.Payments.Live;

public static class LiveViewServiceCollectionExtensions
{
    /// <summary>
    /// Live views and the shared KPI aggregate, fed by an <see cref="IPaymentChangeSource"/>: the in-process
    /// <see cref="PaymentFeed"/> unless a storage mode registered a shared stream first (AWS, issue 20).
    /// </summary>
    public static IServiceCollection AddLivePayments(this IServiceCollection services)
    {
        services.AddOptions<LiveViewOptions>().BindConfiguration(LiveViewOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<PaymentFeed>();
        services.TryAddSingleton<IPaymentChangeSource>(sp => sp.GetRequiredService<PaymentFeed>());
        services.AddSingleton<LiveViewMetrics>();
        services.AddSingleton<LivePaymentViews>();
        services.AddSingleton<PaymentKpiAggregate>();
        return services;
    }
}
