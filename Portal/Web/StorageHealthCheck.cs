using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Core.Audit;

namespace Portal.Web;

/// <summary>Ready when the stores answer: a cheap read of the audit log and of the identity database.</summary>
internal sealed class StorageHealthCheck(IAuditLog audit, Microsoft.EntityFrameworkCore.IDbContextFactory<Auth.PortalIdentityDbContext> identity) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await audit.QueryAsync(new AuditQuery(Limit: 1), cancellationToken);
            await using var db = await identity.CreateDbContextAsync(cancellationToken);
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("identity store unreachable");
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            return HealthCheckResult.Unhealthy("storage unreachable");
        }
    }
}
