namespace Portal.Components.Compliance;

public static class ComplianceUiExtensions
{
    /// <summary>The compliance screens' services: export files for the audit page, the access review.</summary>
    public static IServiceCollection AddComplianceUi(this IServiceCollection services)
    {
        services.AddSingleton<AuditExportFiles>();
        services.AddScoped<AccessReview>();
        return services;
    }
}
