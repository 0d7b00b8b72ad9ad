using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Fraud.Lists;

namespace Portal.Core.Fraud.Rules;

/// <summary>
/// Keeps the scorer's two snapshots current: the latest published rule version (seeding version 1 from the configured
/// <see cref="FraudOptions"/> on first start) and the allow/block lists. Both load before the portal serves; a change
/// made here reloads at once, and every <see cref="FraudOptions.SnapshotRefresh"/> each instance re-reads both, so the
/// others see it too. A failed refresh keeps the last good snapshot.
/// </summary>
public sealed partial class FraudSnapshots(IFraudListStore lists, IFraudRuleStore rules, LiveFraudLists liveLists, LiveFraudRules liveRules,
    IOptions<FraudOptions> options, TimeProvider clock, ILogger<FraudSnapshots> logger) : BackgroundService
{
    private readonly SemaphoreSlim _listGate = new(1, 1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReloadRulesAsync(cancellationToken);
        await ReloadListsAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public async Task ReloadListsAsync(CancellationToken cancellationToken)
    {
        await _listGate.WaitAsync(cancellationToken);
        try
        {
            var entries = await lists.ActiveAsync(clock.GetUtcNow(), cancellationToken);
            liveLists.Swap(new FraudListSnapshot(entries));
        }
        finally
        {
            _listGate.Release();
        }
    }

    /// <summary>The latest published version (seeded if there is none), now live.</summary>
    public async Task<FraudRuleVersion> ReloadRulesAsync(CancellationToken cancellationToken)
    {
        var latest = await rules.LatestAsync(cancellationToken);
        if (latest is null)
        {
            var first = new FraudRuleVersion(1, FraudRuleParameters.From(options.Value), [new FraudRuleEditor("system", "configuration")], null, "configuration",
                clock.GetUtcNow(), "Seeded from the Fraud settings.");
            await rules.SeedAsync(first, cancellationToken);
            latest = await rules.LatestAsync(cancellationToken) ?? first;
        }

        liveRules.Swap(ScoringRules.From(latest));
        return latest;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SnapshotRefresh, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ReloadRulesAsync(stoppingToken);
                    await ReloadListsAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRefreshFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _listGate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the fraud rules and lists failed; the last snapshot stays in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception ex);
}
