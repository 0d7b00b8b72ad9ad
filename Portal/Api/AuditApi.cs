using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Auth;
using Portal.Core.Audit;
using Portal.Core.Security;

namespace Portal.Api;

/// <summary>The audit trail for Compliance: read (itself audited) and verify the chain.</summary>
internal static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("audit", "Audit").RequireAuthorization(PortalPolicies.Compliance);
        group.MapGet("/events", ListEventsAsync).WithName("ListAuditEvents").WithSummary("Audit events, newest first, with keyset paging.");
        group.MapPost("/verify", VerifyAsync).WithName("VerifyAuditChain").WithSummary("Recompute the hash chain and report the first broken event.");
    }

    public sealed record AuditEventDto(long Sequence, string Id, DateTimeOffset OccurredAt, string? ActorId, string? ActorName, string? ActorRole,
        string Action, string? Target, string? SourceIp, string Outcome, string? Detail, string Hash);

    public sealed record AuditPageDto(IReadOnlyList<AuditEventDto> Data, long? NextBefore, long Total);

    internal static async Task<Results<Ok<AuditPageDto>, ValidationProblem>> ListEventsAsync(
        HttpContext context, IAuditLog audit, string? limit, string? before, string? action, CancellationToken cancellationToken)
    {
        // Numbers arrive as strings so that "+5", " 5" or "５" are a named 400 like "abc", not a framework error.
        var size = 50;
        if (limit is not null && (!AsciiDigits.TryParse(limit, out size) || size is < 1 or > 500))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit must be an integer between 1 and 500."] });
        }

        long? beforeSequence = null;
        if (before is not null)
        {
            if (!AsciiDigits.TryParse(before, out long sequence) || sequence < 1)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["before"] = ["before must be a positive sequence number."] });
            }

            beforeSequence = sequence;
        }

        var page = await audit.QueryAsync(new AuditQuery(size, beforeSequence, action), cancellationToken);
        await audit.AppendAsync(context.ToActor(), new AuditEntry(AuditActions.AuditRead, AuditOutcome.Success, "audit_log", $"api rows={page.Events.Count}"), cancellationToken);
        return TypedResults.Ok(new AuditPageDto(
            page.Events.Select(e => new AuditEventDto(e.Sequence, e.Id.ToString(), e.OccurredAt, e.ActorId, e.ActorName, e.ActorRole,
                e.Action, e.Target, e.SourceIp, e.Outcome.ToString().ToLowerInvariant(), e.Detail, e.Hash)).ToList(),
            page.NextBeforeSequence,
            page.Total));
    }

    internal static async Task<Ok<AuditVerification>> VerifyAsync(HttpContext context, IAuditLog audit, CancellationToken cancellationToken)
    {
        var result = await audit.VerifyAsync(cancellationToken);
        await audit.AppendAsync(context.ToActor(), new AuditEntry(AuditActions.AuditVerified, result.IsIntact ? AuditOutcome.Success : AuditOutcome.Failure,
            "audit_log", result.Problem), cancellationToken);
        return TypedResults.Ok(result);
    }
}
