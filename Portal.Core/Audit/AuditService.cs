using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Portal.Core.Audit;

/// <summary>
/// The one way features write and read the audit trail (PCI DSS Req. 10). Features call <see cref="AppendAsync"/> (same
/// shape as the <see cref="IAuditLog"/> port, so moving a feature over is a change of the injected type),
/// <see cref="RecordChangeAsync"/> when a change has a before and an after, and <see cref="RecordThrottledAsync"/> for
/// events an outsider can cause at will (failed authentications, 403s, foreign ids), which are capped per source so a
/// flood cannot fill the log.
/// </summary>
public sealed class AuditService
{
    private readonly IAuditLog _log;
    private readonly TimeProvider _clock;
    private readonly AuditOptions _options;
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private Window _global;
    private readonly Lock _gate = new();

    public AuditService(IAuditLog log, TimeProvider clock, IOptions<AuditOptions>? options = null)
    {
        _log = log;
        _clock = clock;
        _options = options?.Value ?? new AuditOptions();
        _global = new Window(long.MinValue, 0, 0);
    }

    /// <summary>Appends one event; returns once it is durable.</summary>
    public Task<AuditEvent> AppendAsync(Actor actor, AuditEntry entry, CancellationToken cancellationToken = default) =>
        _log.AppendAsync(actor, entry, cancellationToken);

    public Task<AuditEvent> RecordAsync(Actor actor, string action, AuditOutcome outcome, string? target = null, string? detail = null, CancellationToken cancellationToken = default) =>
        _log.AppendAsync(actor, new AuditEntry(action, outcome, target, detail), cancellationToken);

    /// <summary>A change with its before and after state (no PII, no secrets), kept as the event's detail (<see cref="AuditChange"/>).</summary>
    public Task<AuditEvent> RecordChangeAsync(Actor actor, string action, AuditOutcome outcome, string? target, object? before, object? after, string? note = null,
        CancellationToken cancellationToken = default) =>
        _log.AppendAsync(actor, new AuditEntry(action, outcome, target, AuditChange.Format(before, after, note)), cancellationToken);

    /// <summary>
    /// Appends unless this source (<paramref name="source"/>, usually the IP) already wrote
    /// <see cref="AuditOptions.ThrottledEventsPerMinutePerSource"/> such events this minute, or all sources together
    /// <see cref="AuditOptions.ThrottledEventsPerMinute"/>. The first event after a suppressed run says how many were left out.
    /// </summary>
    public async Task<bool> RecordThrottledAsync(Actor actor, AuditEntry entry, string? source = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(entry);
        var minute = _clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        var key = $"{entry.Action}|{source ?? actor.SourceIp ?? "-"}";
        long suppressed;
        lock (_gate)
        {
            var global = _global.Minute == minute ? _global : new Window(minute, 0, _global.Suppressed);
            var window = _windows.TryGetValue(key, out var w) && w.Minute == minute ? w : new Window(minute, 0, w?.Suppressed ?? 0);
            if (global.Count >= _options.ThrottledEventsPerMinute || window.Count >= _options.ThrottledEventsPerMinutePerSource)
            {
                _windows[key] = window with { Suppressed = window.Suppressed + 1 };
                _global = global with { Suppressed = global.Suppressed + 1 };
                return false;
            }

            suppressed = window.Suppressed;
            _windows[key] = new Window(minute, window.Count + 1, 0);
            _global = global with { Count = global.Count + 1 };
            if (_windows.Count > 10_000)
            {
                // Old minutes are of no use; keep the table bounded under a spray of sources.
                foreach (var stale in _windows.Where(p => p.Value.Minute < minute).Select(p => p.Key).ToList())
                {
                    _windows.TryRemove(stale, out _);
                }
            }
        }

        var detail = suppressed == 0 ? entry.Detail : $"{entry.Detail} (and {suppressed} more from this source not recorded: rate limit)".Trim();
        await _log.AppendAsync(actor, entry with { Detail = detail }, cancellationToken);
        return true;
    }

    public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => _log.QueryAsync(query, cancellationToken);

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) => _log.VerifyAsync(cancellationToken);

    public Task<IReadOnlyDictionary<string, long>> CountByActionAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        _log.CountByActionAsync(from, to, cancellationToken);

    /// <summary>
    /// Every event matching the filters, oldest first, read in keyset pages of <paramref name="pageSize"/> (constant memory).
    /// The next page is read on the thread pool while the caller works through this one (the SQLite adapter reads
    /// synchronously), so an export's reading and writing overlap; at most two pages are in memory.
    /// </summary>
    public async IAsyncEnumerable<AuditEvent> ReadAllAsync(AuditQuery filters, int pageSize = 2000,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        Task<AuditPage> Page(long? after) =>
            _log.QueryAsync(filters with { Limit = pageSize, Ascending = true, AfterSequence = after, BeforeSequence = filters.BeforeSequence, CountTotal = false, Skip = 0 },
                cancellationToken);

        var next = Page(filters.AfterSequence);
        while (true)
        {
            var page = await next;
            var more = page.NextAfterSequence;
            if (more is { } after)
            {
                next = Task.Run(() => Page(after), cancellationToken);
            }

            foreach (var e in page.Events)
            {
                yield return e;
            }

            if (more is null)
            {
                yield break;
            }
        }
    }

    private sealed record Window(long Minute, int Count, long Suppressed);
}

/// <summary>The before and after of a change, as the detail of its event: <c>{"before":{...},"after":{...},"note":"..."}</c>.</summary>
public static class AuditChange
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Format(object? before, object? after, string? note = null)
    {
        var o = new JsonObject();
        if (before is not null)
        {
            o["before"] = JsonSerializer.SerializeToNode(before, before.GetType(), Json);
        }

        if (after is not null)
        {
            o["after"] = JsonSerializer.SerializeToNode(after, after.GetType(), Json);
        }

        if (note is not null)
        {
            o["note"] = note;
        }

        return o.ToJsonString();
    }

    /// <summary>The before and after fields of an event's detail, or null when the event holds no change.</summary>
    public static (IReadOnlyDictionary<string, string?> Before, IReadOnlyDictionary<string, string?> After, string? Note)? Parse(string? detail)
    {
        if (detail is null || !detail.StartsWith("{\"", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(detail) is not JsonObject o || (o["before"] is null && o["after"] is null))
            {
                return null;
            }

            return (Fields(o["before"]), Fields(o["after"]), o["note"]?.GetValue<string>());
        }
        catch (JsonException)
        {
            return null;
        }

        static Dictionary<string, string?> Fields(JsonNode? node) =>
            node is JsonObject obj ? obj.ToDictionary(p => p.Key, p => p.Value?.ToString(), StringComparer.Ordinal) : new Dictionary<string, string?>(StringComparer.Ordinal);
    }
}

/// <summary>Settings of the audit trail (section <c>Audit</c>).</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>How often the hosted verifier walks the whole chain; a break raises an alert for Compliance and Admin. Zero turns it off.</summary>
    public TimeSpan VerifyEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Cap per source and action of events an outsider can cause (failed sign-ins, 403s, foreign ids).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int ThrottledEventsPerMinutePerSource { get; set; } = 20;

    /// <summary>Cap of such events from all sources together.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int ThrottledEventsPerMinute { get; set; } = 600;

    /// <summary>Days of events the explorer queries at once; older events are moved to archives by <see cref="AuditArchiveJob"/>.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 3650)]
    public int QueryableDays { get; set; } = 90;

    /// <summary>Days events are kept at least (PCI DSS 10.5.1: one year); less is refused at start-up. Archives are never purged before this.</summary>
    [System.ComponentModel.DataAnnotations.Range(365, 36_500, ErrorMessage = "Audit:RetainDays must be at least 365: audit events are kept for one year (PCI DSS 10.5.1).")]
    public int RetainDays { get; set; } = 365;

    /// <summary>How often the archive job runs. Zero turns it off.</summary>
    public TimeSpan ArchiveEvery { get; set; } = TimeSpan.FromHours(24);
}
