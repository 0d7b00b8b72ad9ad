using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Core.Adapters.Embedded;

namespace Portal.Core.Fraud.Review;

public static class FraudReviewServiceCollectionExtensions
{
    /// <summary>
    /// The fraud review queue: options (<c>FraudReview</c>), case intake, queue and decisions, live alerts and the on-call
    /// mailer. The case store defaults to the embedded one (the "portal" database); an AWS adapter set registers
    /// <see cref="IFraudCaseStore"/> first (the DynamoDB adapter is <c>DynamoFraudCaseStore</c>).
    /// </summary>
    public static IServiceCollection AddFraudReview(this IServiceCollection services)
    {
        services.AddOptions<FraudReviewOptions>().BindConfiguration(FraudReviewOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<FraudReviewOptions>, ValidatableObjectOptionsValidator<FraudReviewOptions>>();
        services.TryAddSingleton<IFraudCaseStore>(sp => new SqliteFraudCaseStore(sp.GetRequiredKeyedService<SqliteDatabase>("portal")));
        services.AddSingleton<IFraudCaseOutcomes>(sp => sp.GetRequiredService<IFraudCaseStore>());
        services.AddSingleton<FraudAlertHub>();
        services.AddSingleton<FraudCaseIntake>();
        services.AddSingleton<FraudReviewQueries>();
        services.AddSingleton<FraudCaseDecisions>();
        services.AddSingleton<FraudAlertMailer>();
        services.AddHostedService(sp => sp.GetRequiredService<FraudAlertMailer>());
        services.AddSingleton<HeldPaymentCaseRepair>();
        services.AddHostedService(sp => sp.GetRequiredService<HeldPaymentCaseRepair>());
        return services;
    }
}
