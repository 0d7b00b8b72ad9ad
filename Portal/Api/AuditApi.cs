using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Auth;
using Portal.Core.Audit;
using Portal.Core.Audit.Export;
using Portal.Core.Security;

namespace Portal.Api;

/// <summary>The audit trail for Compliance: search (itself audited), verify the chain, export a signed range, and the export key.</summary>
internal static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("audit", "Audit").RequireAuthorization(PortalPolicies.Compliance);
        group.MapGet("/events", ListEventsAsync).WithName("ListAuditEvents")
            .WithSummary("Audit events, newest first, filtered (actor, role, action, area, target type, outcome, source IP, time range), with keyset paging.");
        group.MapPost("/verify", VerifyAsync).WithName("VerifyAuditChain").WithSummary("Recompute the hash chain and report the first broken event.");
        group.MapGet("/export", ExportAsync).WithName("ExportAuditEvents")
            .WithSummary("A zip of the filtered range (oldest first) as CSV or JSON Lines, streamed, with its signed manifest.json.")
            .Produces(StatusCodes.Status200OK)
            .WithMetadata(new OpenApi.ApiFileResponse("A zip: the export (audit-….csv or .jsonl) and manifest.json, signed.", "application/zip"));
        Components.Compliance.AuditExportFiles.MapAuditExportDownloads(app);
        Components.Compliance.ReportDownloads.MapReportDownloads(app);
        group.MapGet("/export-key", ExportKey).WithName("GetAuditExportKey").WithSummary("The public key (and its id) that signs export manifests, to check exports offline.");
    }

    public sealed record AuditEventDto(long Sequence, string Id, DateTimeOffset OccurredAt, string? ActorId, string? ActorName, string? ActorRole,
        string Action, string? Target, string? SourceIp, string Outcome, string? Detail, string PreviousHash, string Hash);

    public sealed record AuditPageDto(IReadOnlyList<AuditEventDto> Data, string? NextCursor, long Total);

    public sealed record ExportKeyDto(string KeyId, string Algorithm, string PublicKey);

    internal static AuditEventDto ToDto(AuditEvent e) => new(e.Sequence, e.Id.ToString(), e.OccurredAt, e.ActorId, e.ActorName, e.ActorRole,
        e.Action, e.Target, e.SourceIp, e.Outcome.ToString().ToLowerInvariant(), e.Detail, e.PreviousHash, e.Hash);

    internal static async Task<Results<Ok<AuditPageDto>, ValidationProblem>> ListEventsAsync(
        HttpContext context, AuditService audit, AuditCursor cursors, string? limit, string? cursor, CancellationToken cancellationToken)
    {
        // Numbers arrive as strings so that "+5", " 5" or "５" are a named 400 like "abc", not a framework error.
        var size = 50;
        if (limit is not null && (!AsciiDigits.TryParse(limit, out size) || size is < 1 or > 500))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit must be an integer between 1 and 500."] });
        }

        var parsed = AuditFilter.Parse(name => context.Request.Query[name].FirstOrDefault());
        if (!parsed.Succeeded)
        {
            return TypedResults.ValidationProblem(parsed.Error.Fields!);
        }

        var filter = parsed.Value!;
        long? before = null;
        if (cursor is not null)
        {
            before = cursors.Decode(cursor, filter);
            if (before is null)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = ["cursor is not one this endpoint issued for these filters."] });
            }
        }

        var page = await audit.QueryAsync(filter.ToQuery(size, before), cancellationToken);
        await audit.AppendAsync(context.ToActor(), new AuditEntry(AuditActions.AuditRead, AuditOutcome.Success, "audit_log", $"api rows={page.Events.Count} {filter.ToQueryString()}".Trim()), cancellationToken);
        return TypedResults.Ok(new AuditPageDto(
            page.Events.Select(ToDto).ToList(),
            page.NextBeforeSequence is { } next ? cursors.Encode(next, filter) : null,
            page.Total));
    }

    internal static async Task<Ok<AuditVerification>> VerifyAsync(HttpContext context, AuditService audit, AuditIntegrityMonitor monitor, CancellationToken cancellationToken)
    {
        var result = await audit.VerifyAsync(cancellationToken);
        monitor.Report(result);
        await audit.AppendAsync(context.ToActor(), new AuditEntry(result.IsIntact ? AuditActions.AuditVerified : AuditActions.AuditVerifyFailed,
            result.IsIntact ? AuditOutcome.Success : AuditOutcome.Failure, "audit_log", result.Problem), cancellationToken);
        return TypedResults.Ok(result);
    }

    internal static async Task<Results<EmptyHttpResult, ValidationProblem>> ExportAsync(HttpContext context, AuditExporter exporter, TimeProvider clock, string? format,
        CancellationToken cancellationToken)
    {
        var fileFormat = format switch
        {
            null or "csv" => AuditExportFileFormat.Csv,
            "jsonl" => AuditExportFileFormat.JsonLines,
            _ => (AuditExportFileFormat?)null,
        };
        if (fileFormat is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["format must be csv or jsonl."] });
        }

        var parsed = AuditFilter.Parse(name => context.Request.Query[name].FirstOrDefault());
        if (!parsed.Succeeded)
        {
            return TypedResults.ValidationProblem(parsed.Error.Fields!);
        }

        await WriteExportAsync(context, exporter, clock, parsed.Value!, fileFormat.Value, cancellationToken);
        return TypedResults.Empty;
    }

    /// <summary>Streams the zip to the response: the zip writer is synchronous, so this one response allows synchronous IO.</summary>
    internal static async Task WriteExportAsync(HttpContext context, AuditExporter exporter, TimeProvider clock, AuditFilter filter, AuditExportFileFormat format,
        CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpBodyControlFeature>() is { } body)
        {
            body.AllowSynchronousIO = true;
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "application/zip";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-export-{clock.GetUtcNow().UtcDateTime:yyyyMMdd-HHmmss}.zip\"";
        await exporter.WriteZipAsync(context.Response.Body, filter, format, context.ToActor(), cancellationToken: cancellationToken);
    }

    internal static Ok<ExportKeyDto> ExportKey(AuditExportSigner signer) => TypedResults.Ok(new ExportKeyDto(signer.KeyId, AuditExportFormat.Algorithm, signer.PublicKeyPem));
}
