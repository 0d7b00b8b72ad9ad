using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Portal.Core.Diagnostics;

/// <summary>
/// The W3C trace id of the work in progress (issue 19: one trace id from the API request to the audit trail, the outbox,
/// webhook deliveries and the processor). ASP.NET Core starts an <see cref="Activity"/> per request, taking the caller's
/// <c>traceparent</c> when it sends one; background work without one has no trace id (null), never a made-up one.
/// </summary>
public static class TraceIds
{
    /// <summary>The HTTP header that carries a trace id: on every API answer, and on every webhook delivery.</summary>
    public const string Header = "Portal-Trace-Id";

    /// <summary>32 lower-case hex digits, or null outside any trace.</summary>
    public static string? Current => Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : null;

    /// <summary>Whether a string is a trace id as we print them (32 lower-case hex digits, not all zero); decides by allow-list what a search may look up.</summary>
    public static bool IsValid([NotNullWhen(true)] string? value) =>
        value is { Length: 32 } && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f') && value.Any(c => c != '0');
}
