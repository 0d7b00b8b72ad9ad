using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Core;

namespace Portal.Web;

/// <summary>
/// Ready when the stores answer: one trivial read per store (<see cref="IStorageProbe"/>) and a connection to the identity
/// database. The probe is anonymous, so its answer is kept for <see cref="CacheFor"/>: a flood of requests costs at most one
/// round of reads per interval, however many arrive.
/// </summary>
internal sealed class StorageHealthCheck(IStorageProbe stores, Microsoft.EntityFrameworkCore.IDbContextFactory<Auth.PortalIdentityDbContext> identity, TimeProvider clock)
    : IHealthCheck, IDisposable
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _probing = new(1, 1);
    private volatile Checked? _last;

    /// <summary>How many times the stores were actually read (the rest were answered from the cache).</summary>
    public int Probes { get; private set; }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (Fresh() is { } cached)
        {
            return cached;
        }

        await _probing.WaitAsync(cancellationToken);
        try
        {
            // Whoever waited while another request probed takes its answer.
            if (Fresh() is { } justChecked)
            {
                return justChecked;
            }

            var result = await ProbeAsync(cancellationToken);
            _last = new Checked(result, clock.GetUtcNow());
            return result;
        }
        finally
        {
            _probing.Release();
        }
    }

    private HealthCheckResult? Fresh() => _last is { } last && clock.GetUtcNow() - last.At < CacheFor ? last.Result : null;

    private async Task<HealthCheckResult> ProbeAsync(CancellationToken cancellationToken)
    {
        Probes++;
        var unreachable = (await stores.UnreachableAsync(cancellationToken)).ToList();
        try
        {
            await using var db = await identity.CreateDbContextAsync(cancellationToken);
            if (!await db.Database.CanConnectAsync(cancellationToken))
            {
                unreachable.Add("identity");
            }
        }
        catch (Exception ex) when (ex is Core.StorageUnavailableException or System.Data.Common.DbException or IOException) // the identity store is EF Core: its engine-neutral DbException
        {
            unreachable.Add("identity");
        }

        return unreachable.Count == 0
            ? HealthCheckResult.Healthy("every store answered")
            : HealthCheckResult.Unhealthy("unreachable: " + string.Join(", ", unreachable));
    }

    public void Dispose() => _probing.Dispose();

    private sealed record Checked(HealthCheckResult Result, DateTimeOffset At);
}
