using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Core.Audit;

/// <summary>One archive written: the range of the chain it holds and the hashes that join it to its neighbours.</summary>
public sealed record AuditArchiveResult(string Name, long FirstSequence, long LastSequence, string PreviousHash, string LastHash);

/// <summary>
/// Moving events out of the queryable log (an adapter's option: the embedded log writes compressed files in the data
/// folder). Archived events stay in the chain: <see cref="IAuditLog.VerifyAsync"/> walks archives and live events as one.
/// </summary>
public interface IAuditArchive
{
    /// <summary>Archives the oldest events, up to the last one before <paramref name="olderThan"/> (never the newest event); one result per archive written.</summary>
    Task<IReadOnlyList<AuditArchiveResult>> ArchiveAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default);
}

/// <summary>
/// Every <see cref="AuditOptions.ArchiveEvery"/>, moves events older than <see cref="AuditOptions.QueryableDays"/> to
/// archives (where the adapter of <see cref="IAuditLog"/> is also an <see cref="IAuditArchive"/>) and audits each archive written. Archives are kept: nothing is purged, so
/// <see cref="AuditOptions.RetainDays"/> is a floor that holds by construction.
/// </summary>
public sealed class AuditArchiveJob(AuditService audit, IAuditLog log, IOptions<AuditOptions> options, TimeProvider clock,
    ILogger<AuditArchiveJob> logger) : BackgroundService
{
    public async Task<IReadOnlyList<AuditArchiveResult>> RunOnceAsync(CancellationToken cancellationToken)
    {
        var written = new List<AuditArchiveResult>();
        var cutoff = clock.GetUtcNow().AddDays(-options.Value.QueryableDays);
        // The adapter archives if it can (the embedded log does); otherwise there is nothing to move.
        if (log is IAuditArchive archive)
        {
            foreach (var result in await archive.ArchiveAsync(cutoff, cancellationToken))
            {
                written.Add(result);
                await audit.AppendAsync(Actor.System, new AuditEntry(AuditActions.AuditArchived, AuditOutcome.Success, "audit_log",
                    $"archive={result.Name} events={result.FirstSequence}..{result.LastSequence} older_than={cutoff:O}"), cancellationToken);
            }
        }

        return written;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.ArchiveEvery;
        if (every <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(every, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The audit archive job could not run.");
                await audit.AppendAsync(Actor.System, new AuditEntry(AuditActions.AuditArchived, AuditOutcome.Failure, "audit_log", ex.GetType().Name), stoppingToken);
            }
        }
    }
}
