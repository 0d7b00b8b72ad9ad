using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit.Export;

namespace Portal.Core.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>The audit trail's use cases over the <see cref="IAuditLog"/> port that the storage adapters register.</summary>
    public static IServiceCollection AddAuditing(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AuditService>();
        services.AddSingleton<AuditCursor>();
        services.AddSingleton<AuditExportSigner>();
        services.AddSingleton<AuditExporter>();
        services.AddSingleton<AuditReports>();
        services.AddSingleton<AuditIntegrityMonitor>();
        services.AddSingleton<ScheduledAuditVerification>();
        services.AddHostedService(sp => sp.GetRequiredService<ScheduledAuditVerification>());
        services.AddHostedService<AuditLifecycle>();
        services.AddSingleton<AuditArchiveJob>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditArchiveJob>());
        return services;
    }
}
