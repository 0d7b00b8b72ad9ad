using System.Diagnostics;

namespace Portal.Core.Diagnostics;

/// <summary>The portal's own activity source, for work that runs outside a request (webhook deliveries, the outbox relay).</summary>
public static class PortalActivities
{
    public const string SourceName = "Portal";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// A span that continues the trace <paramref name="traceId"/> (recorded earlier, in another request) from a background
    /// job; a new trace when there is none. Null when nothing listens (no OpenTelemetry): callers still send the id themselves.
    /// </summary>
    public static Activity? StartContinuing(string name, string? traceId)
    {
        if (!TraceIds.IsValid(traceId))
        {
            return Source.StartActivity(name, ActivityKind.Producer);
        }

        var parent = new ActivityContext(ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        return Source.StartActivity(name, ActivityKind.Producer, parent);
    }
}
