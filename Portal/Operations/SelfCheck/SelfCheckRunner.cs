using Microsoft.Extensions.Options;

namespace Portal.Operations.SelfCheck;

/// <summary>Runs every item of the checklist, one after the other (they are light), and reports the run to the monitor.</summary>
public sealed class SelfCheckRunner(IEnumerable<ISelfCheck> checks, SelfCheckMonitor monitor, TimeProvider clock, ILogger<SelfCheckRunner> logger)
{
    public async Task<SelfCheckReport> RunAsync(CancellationToken cancellationToken)
    {
        var items = new List<SelfCheckResult>();
        foreach (var check in checks)
        {
            try
            {
                items.Add(await check.RunAsync(cancellationToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One item that cannot run is that item's failure; the others still report.
                logger.LogWarning(ex, "Self-check item {Item} could not run.", check.Id);
                items.Add(new SelfCheckResult(check.Id, check.Title, SelfCheckStatus.Fail, $"The check could not run ({ex.GetType().Name}).", "See the portal log for the error."));
            }
        }

        var report = new SelfCheckReport(clock.GetUtcNow(), items);
        monitor.Report(report);
        return report;
    }
}

/// <summary>The latest run of the checklist. A failing item is an alert for Admin on every page until a later run passes it.</summary>
public sealed class SelfCheckMonitor(ILogger<SelfCheckMonitor> logger)
{
    private SelfCheckReport? _latest;

    public SelfCheckReport? Latest => Volatile.Read(ref _latest);

    /// <summary>The failing items of the latest run; empty when none failed or nothing ran yet.</summary>
    public IReadOnlyList<SelfCheckResult> Failures => Latest?.Items.Where(i => i.Status == SelfCheckStatus.Fail).ToList() ?? [];

    public event Action? Changed;

    public void Report(SelfCheckReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Volatile.Write(ref _latest, report);
        foreach (var failure in report.Items.Where(i => i.Status == SelfCheckStatus.Fail))
        {
            logger.LogError("Self-check item {Item} fails: {Finding}", failure.Id, failure.Finding);
        }

        Changed?.Invoke();
    }
}

/// <summary>The checklist every <see cref="SelfCheckOptions.RunEvery"/>, first soon after start.</summary>
internal sealed class ScheduledSelfCheck(SelfCheckRunner runner, IOptions<SelfCheckOptions> options, TimeProvider clock, ILogger<ScheduledSelfCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.RunEvery;
        if (every <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(every, clock);
        do
        {
            try
            {
                await runner.RunAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The scheduled self-check could not run.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

public static class SelfCheckServiceCollectionExtensions
{
    /// <summary>The readiness checklist, its schedule and its alert; the items in the order the page shows them.</summary>
    public static IServiceCollection AddSelfCheck(this IServiceCollection services)
    {
        services.AddOptions<SelfCheckOptions>().BindConfiguration(SelfCheckOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RecentLogLines>();
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<RecentLogLines>());
        services.AddHttpClient(ClockSkewCheck.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        services.AddSingleton<ISelfCheck, KeyRoundTripCheck>();
        services.AddSingleton<ISelfCheck, StorageDurabilityCheck>();
        services.AddSingleton<ISelfCheck, StaffMfaCheck>();
        services.AddSingleton<ISelfCheck, TlsCertificateCheck>();
        services.AddSingleton<ISelfCheck, ClockSkewCheck>();
        services.AddSingleton<ISelfCheck, LogCardNumberCheck>();
        services.AddSingleton<ISelfCheck, WebhookBacklogCheck>();
        services.AddSingleton<ISelfCheck, AuditChainCheck>();
        services.AddSingleton<ISelfCheck, AwsSettingsCheck>();
        services.AddSingleton<SelfCheckMonitor>();
        services.AddSingleton<SelfCheckRunner>();
        services.AddHostedService<ScheduledSelfCheck>();
        return services;
    }
}
