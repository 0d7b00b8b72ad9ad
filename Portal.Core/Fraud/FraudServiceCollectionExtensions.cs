using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Fraud;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;

namespace Portal.Core;

/// <summary>Fraud scoring with allow/block lists and versioned rules (issue 16, part 2).</summary>
public static class FraudServiceCollectionExtensions
{
    /// <summary>The scorer, its two live snapshots and their loader, the list and rule services and the backtest.</summary>
    public static IServiceCollection AddFraudListsAndRules(this IServiceCollection services)
    {
        services.AddSingleton(sp => new LiveFraudRules(new ScoringRules(1, FraudRuleParameters.From(sp.GetRequiredService<IOptions<FraudOptions>>().Value))));
        services.AddSingleton<LiveFraudLists>();
        services.AddSingleton(sp => new FraudScorer(sp.GetRequiredService<LiveFraudRules>(), sp.GetRequiredService<LiveFraudLists>()));
        services.AddSingleton<FraudSnapshots>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<FraudSnapshots>());
        services.AddSingleton<FraudListService>();
        services.AddSingleton<FraudRuleService>();
        services.AddSingleton<FraudBacktest>();
        return services;
    }

    /// <summary>The SQLite adapters: lists and rules in portal.db, the payment history from payments.db.</summary>
    public static IServiceCollection AddEmbeddedFraudStores(this IServiceCollection services)
    {
        services.AddSingleton(sp => new SqliteFraudStore(sp.GetRequiredKeyedService<SqliteDatabase>("portal")));
        services.AddSingleton<IFraudListStore>(sp => sp.GetRequiredService<SqliteFraudStore>());
        services.AddSingleton<IFraudRuleStore>(sp => sp.GetRequiredService<SqliteFraudStore>());
        services.AddSingleton<IPaymentHistory>(sp => new SqlitePaymentHistory(sp.GetRequiredKeyedService<SqliteDatabase>("payments")));
        return services;
    }
}
