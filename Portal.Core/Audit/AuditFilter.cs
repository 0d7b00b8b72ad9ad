using System.Globalization;
using System.Net;
using Portal.Core.Security;

namespace Portal.Core.Audit;

/// <summary>
/// The explorer's filters, one shape for the page (query string), the API and exports. <see cref="Actor"/> matches the
/// actor's id or name exactly; <see cref="Area"/> is an action prefix (<c>kyc</c> selects <c>kyc.*</c>); times are UTC,
/// <see cref="From"/> inclusive and <see cref="To"/> exclusive.
/// </summary>
public sealed record AuditFilter(
    string? Actor = null,
    string? Role = null,
    string? Action = null,
    string? Area = null,
    string? TargetType = null,
    AuditOutcome? Outcome = null,
    string? SourceIp = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? TraceId = null)
{
    /// <summary>The query-string names, as the page URL and the API use them.</summary>
    public static readonly string[] Names = ["actor", "role", "action", "area", "target_type", "outcome", "source_ip", "from", "to", "trace_id"];

    public static readonly string[] RoleNames = [Roles.Merchant, Roles.Admin, Roles.Compliance, "System"];

    public AuditQuery ToQuery(int limit = 50, long? beforeSequence = null) => new(
        Limit: limit,
        BeforeSequence: beforeSequence,
        Action: Action,
        ActorId: Actor,
        From: From,
        To: To,
        ActorRole: Role,
        ActionPrefix: Area is null ? null : Area + ".",
        TargetType: TargetType,
        Outcome: Outcome,
        SourceIp: SourceIp,
        TraceId: TraceId);

    public bool Matches(AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return (Actor is null || e.ActorId == Actor || e.ActorName == Actor)
            && (Role is null || e.ActorRole == Role)
            && (Action is null || e.Action == Action)
            && (Area is null || e.Action.StartsWith(Area + ".", StringComparison.Ordinal))
            && (TargetType is null || AuditTargets.TypeOf(e.Target) == TargetType)
            && (Outcome is null || e.Outcome == Outcome)
            && (SourceIp is null || e.SourceIp == SourceIp)
            && (From is null || e.OccurredAt >= From)
            && (To is null || e.OccurredAt < To)
            && (TraceId is null || e.TraceId == TraceId);
    }

    /// <summary>What a cursor is bound to: a cursor issued for other filters is refused.</summary>
    public string Fingerprint() => string.Join('|', ToPairs().Select(p => p.Key + "=" + p.Value));

    /// <summary>The non-empty filters as query-string pairs, in <see cref="Names"/> order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToPairs()
    {
        var pairs = new List<KeyValuePair<string, string>>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                pairs.Add(new(name, value));
            }
        }

        Add("actor", Actor);
        Add("role", Role);
        Add("action", Action);
        Add("area", Area);
        Add("target_type", TargetType);
        Add("outcome", Outcome?.ToString().ToLowerInvariant());
        Add("source_ip", SourceIp);
        Add("from", From?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        Add("to", To?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        Add("trace_id", TraceId);
        return pairs;
    }

    public string ToQueryString() =>
        string.Join('&', ToPairs().Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));

    /// <summary>Reads filters from query-string values; each bad value is an error naming its parameter.</summary>
    public static Result<AuditFilter> Parse(Func<string, string?> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? Text(string name, int max = 200)
        {
            var v = value(name);
            if (string.IsNullOrWhiteSpace(v))
            {
                return null;
            }

            v = v.Trim();
            if (v.Length > max)
            {
                errors[name] = [$"{name} must be at most {max} characters."];
                return null;
            }

            return v;
        }

        var actor = Text("actor");
        var role = Text("role", 40);
        if (role is not null && !RoleNames.Contains(role, StringComparer.Ordinal))
        {
            errors["role"] = [$"role must be one of {string.Join(", ", RoleNames)}."];
            role = null;
        }

        var action = Text("action", 80);
        if (action is not null && !IsName(action, dot: true))
        {
            errors["action"] = ["action must be an action name such as kyc.document_viewed (lower-case letters, underscores, one dot)."];
            action = null;
        }

        var area = Text("area", 40);
        if (area is not null && !IsName(area, dot: false))
        {
            errors["area"] = ["area must be an action area such as kyc (lower-case letters and underscores)."];
            area = null;
        }

        var targetType = Text("target_type", 40);
        if (targetType is not null && !AuditTargets.All.Contains(targetType, StringComparer.Ordinal))
        {
            errors["target_type"] = [$"target_type must be one of {string.Join(", ", AuditTargets.All)}."];
            targetType = null;
        }

        AuditOutcome? outcome = null;
        if (Text("outcome", 20) is { } o)
        {
            outcome = o switch { "success" => AuditOutcome.Success, "failure" => AuditOutcome.Failure, "denied" => AuditOutcome.Denied, _ => null };
            if (outcome is null)
            {
                errors["outcome"] = ["outcome must be success, failure or denied."];
            }
        }

        var ip = Text("source_ip", 64);
        if (ip is not null && !IPAddress.TryParse(ip, out _))
        {
            errors["source_ip"] = ["source_ip must be an IPv4 or IPv6 address."];
            ip = null;
        }

        var traceId = Text("trace_id", 64)?.ToLowerInvariant();
        if (traceId is not null && !Diagnostics.TraceIds.IsValid(traceId))
        {
            errors["trace_id"] = ["trace_id must be a trace id: 32 hexadecimal digits (0-9, a-f)."];
            traceId = null;
        }

        var from = Time("from");
        var to = Time("to");
        if (from is not null && to is not null && from >= to)
        {
            errors["to"] = ["to must be later than from."];
        }

        return errors.Count > 0
            ? Error.Validation("The audit filters are not valid.", errors)
            : Result<AuditFilter>.Ok(new AuditFilter(actor, role, action, area, targetType, outcome, ip, from, to, traceId));

        DateTimeOffset? Time(string name)
        {
            if (Text(name, 40) is not { } t)
            {
                return null;
            }

            // ISO 8601 with ASCII digits only; a date alone is midnight UTC.
            if (t.Any(c => c > '\u007f') || !DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                errors[name] = [$"{name} must be an ISO 8601 time such as 2026-11-25T09:00:00Z."];
                return null;
            }

            return parsed;
        }
    }

    private static bool IsName(string s, bool dot)
    {
        var dots = 0;
        foreach (var c in s)
        {
            if (c == '.')
            {
                dots++;
            }
            else if (!(char.IsAsciiLetterLower(c) || c == '_' || char.IsAsciiDigit(c)))
            {
                return false;
            }
        }

        return dot ? dots == 1 && s[0] != '.' && s[^1] != '.' : dots == 0;
    }
}

/// <summary>Cursors of the audit explorer and API: the keyset position, HMAC-signed and bound to the filters.</summary>
public sealed class AuditCursor(IKeyRing keys)
{
    private readonly SignedCursor<Position> _signer = new(keys, "audit");

    public string Encode(long beforeSequence, AuditFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return _signer.Encode(new Position(beforeSequence), filter.Fingerprint());
    }

    /// <summary>The sequence to read before, or null when the cursor is forged, altered or issued for other filters.</summary>
    public long? Decode(string cursor, AuditFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return _signer.Decode(cursor, filter.Fingerprint())?.Before;
    }

    public sealed record Position(long Before);
}
