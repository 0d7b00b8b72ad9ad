using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Core.Audit;

/// <summary>
/// The latest verification of the chain, from the scheduled verifier, the page or the API. A broken chain is an alert for
/// Compliance and Admin: the layout shows it on every page until a later verification finds the chain intact.
/// </summary>
public sealed class AuditIntegrityMonitor(ILogger<AuditIntegrityMonitor> logger)
{
    private AuditVerification? _latest;

    public AuditVerification? Latest => Volatile.Read(ref _latest);

    /// <summary>The open alert, or null while the chain verifies.</summary>
    public AuditVerification? Alert => Latest is { IsIntact: false } broken ? broken : null;

    public event Action? Changed;

    public void Report(AuditVerification verification)
    {
        ArgumentNullException.ThrowIfNull(verification);
        Volatile.Write(ref _latest, verification);
        if (!verification.IsIntact)
        {
            logger.LogCritical("The audit chain does not verify: event {Sequence}: {Problem}", verification.FirstBrokenSequence, verification.Problem);
        }

        Changed?.Invoke();
    }
}

/// <summary>Verification of the whole chain every <see cref="AuditOptions.VerifyEvery"/>; each run is audited, a failure raises the alert.</summary>
public sealed class ScheduledAuditVerification(AuditService audit, AuditIntegrityMonitor monitor, IOptions<AuditOptions> options, TimeProvider clock,
    ILogger<ScheduledAuditVerification> logger) : BackgroundService
{
    /// <summary>One run: verify, record the outcome as an event, report it to the monitor.</summary>
    public async Task<AuditVerification> RunOnceAsync(CancellationToken cancellationToken)
    {
        var result = await audit.VerifyAsync(cancellationToken);
        monitor.Report(result);
        await audit.AppendAsync(Actor.System, new AuditEntry(result.IsIntact ? AuditActions.AuditVerified : AuditActions.AuditVerifyFailed,
            result.IsIntact ? AuditOutcome.Success : AuditOutcome.Failure, "audit_log", result.IsIntact ? $"scheduled events={result.EventsChecked}" : $"scheduled event={result.FirstBrokenSequence} {result.Problem}"),
            cancellationToken);
        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.VerifyEvery;
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
                logger.LogError(ex, "Scheduled audit verification could not run.");
            }
        }
    }
}

/// <summary>
/// The audit log's own start and stop are events (PCI DSS 10.2.1.6): the first thing written after start, the last before
/// stop. The start event carries the security settings in force (<see cref="SecuritySettings"/>), and each one that differs
/// from the previous start is a <see cref="AuditActions.SecuritySettingChanged"/> event with its before and after.
/// </summary>
public sealed class AuditLifecycle(AuditService audit, Microsoft.Extensions.Configuration.IConfiguration configuration, ILogger<AuditLifecycle> logger) : IHostedLifecycleService
{
    /// <summary>Configuration sections whose values affect security; values of keys that look secret are recorded as a fingerprint only.</summary>
    public static readonly string[] SecuritySections = ["Auth", "Audit", "Portal:ForwardedHeaders", "Portal:KeyPath", "Portal:Mode", "AllowedHosts", "Kestrel"];

    public static IReadOnlyDictionary<string, string?> SecuritySettings(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var section in SecuritySections)
        {
            var s = configuration.GetSection(section);
            if (s.Value is not null)
            {
                settings[section] = Safe(section, s.Value);
            }

            foreach (var (key, value) in Microsoft.Extensions.Configuration.ConfigurationExtensions.AsEnumerable(s))
            {
                if (value is not null)
                {
                    settings[key] = Safe(key, value);
                }
            }
        }

        return settings;

        static string Safe(string key, string value) =>
            key.Contains("secret", StringComparison.OrdinalIgnoreCase) || key.Contains("password", StringComparison.OrdinalIgnoreCase)
            || key.EndsWith("key", StringComparison.OrdinalIgnoreCase) && !key.EndsWith("KeyPath", StringComparison.OrdinalIgnoreCase)
                ? "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)))[..16]
                : value;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var now = SecuritySettings(configuration);
        var previous = (await audit.QueryAsync(new AuditQuery(Limit: 1, Action: AuditActions.AuditStarted, CountTotal: false), cancellationToken)).Events;
        await audit.AppendAsync(Actor.System, new AuditEntry(AuditActions.AuditStarted, AuditOutcome.Success, "audit_log", AuditChange.Format(null, now, "portal started")), cancellationToken);
        if (previous.Count == 0 || AuditChange.Parse(previous[0].Detail) is not { } last)
        {
            return;
        }

        foreach (var key in last.After.Keys.Union(now.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var before = last.After.GetValueOrDefault(key);
            var after = now.GetValueOrDefault(key);
            if (!string.Equals(before, after, StringComparison.Ordinal))
            {
                await audit.RecordChangeAsync(Actor.System, AuditActions.SecuritySettingChanged, AuditOutcome.Success, "setting:" + key,
                    new Dictionary<string, string?> { ["value"] = before }, new Dictionary<string, string?> { ["value"] = after }, "changed while the portal was stopped", cancellationToken);
            }
        }
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await audit.AppendAsync(Actor.System, new AuditEntry(AuditActions.AuditStopped, AuditOutcome.Success, "audit_log", "portal stopping"), cancellationToken);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogWarning(ex, "The audit log's stop event could not be written.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
