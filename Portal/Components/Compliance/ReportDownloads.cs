using System.Globalization;
using CsvHelper;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Audit.Export;

namespace Portal.Components.Compliance;

/// <summary>GET /compliance/reports/{report}.csv: each report of the reports page as CSV, over the UI cookie (Compliance), audited.</summary>
public static class ReportDownloads
{
    public static readonly string[] Reports = ["access-review", "kyc-decisions", "fraud-decisions", "dispute-outcomes", "coverage", "merchant-as-of"];

    /// <summary>The period a report covers: <c>from</c>/<c>to</c> (ISO 8601), by default the last 30 days.</summary>
    public static (DateTimeOffset From, DateTimeOffset To)? Period(string? from, string? to, DateTimeOffset now)
    {
        var parsed = AuditFilter.Parse(name => name switch { "from" => from, "to" => to, _ => null });
        if (!parsed.Succeeded)
        {
            return null;
        }

        var end = parsed.Value!.To ?? now;
        return (parsed.Value.From ?? end.AddDays(-30), end);
    }

    public static void MapReportDownloads(IEndpointRouteBuilder app) =>
        app.MapGet("/compliance/reports/{report}.csv", DownloadAsync).RequireAuthorization(PortalPolicies.Compliance).ExcludeFromDescription();

    private static async Task<IResult> DownloadAsync(string report, string? from, string? to, string? merchant, string? at, HttpContext context,
        AuditReports reports, AccessReview access, AuditService audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!Reports.Contains(report, StringComparer.Ordinal))
        {
            return TypedResults.NotFound();
        }

        if (Period(from, to, clock.GetUtcNow()) is not { } period)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["from and to must be ISO 8601 times, from before to."] });
        }

        var rows = new List<string[]>();
        string[] header;
        switch (report)
        {
            case "access-review":
                header = ["user_id", "email", "roles", "mfa_enabled", "locked_out", "last_sign_in", "api_keys"];
                foreach (var r in await access.RowsAsync(cancellationToken))
                {
                    rows.Add([r.UserId, r.Email ?? "", string.Join(' ', r.Roles), r.MfaEnabled ? "yes" : "no", r.LockedOut ? "yes" : "no", Time(r.LastSignIn),
                        string.Join("; ", r.ApiKeys.Select(k => $"{k.KeyId} {k.Name} last_used={Time(k.LastUsedAt)}{(k.Active ? "" : " revoked")}"))]);
                }

                break;
            case "coverage":
                header = ["requirement", "action", "area", "count"];
                rows.AddRange((await reports.CoverageAsync(period.From, period.To, cancellationToken))
                    .Select(r => new[] { r.Requirement, r.Action, r.Area, r.Count.ToString(CultureInfo.InvariantCulture) }));
                break;
            case "merchant-as-of":
                header = ["field", "value"];
                if (!MerchantId.TryParse(merchant, CultureInfo.InvariantCulture, out var id))
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["merchant"] = ["merchant must be a merchant id such as mer_0193…"] });
                }

                var moment = Period(null, at, clock.GetUtcNow())!.Value.To;
                if (await reports.MerchantAsOfAsync(id, moment, cancellationToken) is not { } asOf)
                {
                    return TypedResults.NotFound();
                }

                rows.Add(["merchant_id", asOf.MerchantId]);
                rows.Add(["as_of", Time(asOf.At)]);
                rows.Add(["status", asOf.Status?.ToString() ?? ""]);
                rows.Add(["status_note", asOf.StatusNote ?? ""]);
                rows.Add(["changed_by", asOf.ChangedBy ?? ""]);
                rows.Add(["changed_at", Time(asOf.ChangedAt)]);
                rows.AddRange(asOf.Fields.Select(f => new[] { f.Key, f.Value ?? "" }));
                break;
            default:
                header = ["decided_at", "decided_by", "role", "action", "target", "outcome", "detail", "waiting_since", "waited_hours", "sla"];
                var decisions = report switch
                {
                    "kyc-decisions" => await reports.KycDecisionsAsync(period.From, period.To, cancellationToken),
                    "fraud-decisions" => await reports.DecisionsAsync("fraud_case", period.From, period.To, cancellationToken),
                    _ => await reports.DecisionsAsync("dispute", period.From, period.To, cancellationToken),
                };
                rows.AddRange(decisions.Select(d => new[]
                {
                    Time(d.DecidedAt), d.DecidedBy ?? "", d.Role ?? "", d.Action, d.Target ?? "", d.Outcome.ToString().ToLowerInvariant(), d.Detail ?? "",
                    Time(d.WaitingSince), d.Waited is { } w ? w.TotalHours.ToString("0.0", CultureInfo.InvariantCulture) : "", d.Sla,
                }));
                break;
        }

        await audit.AppendAsync(context.ToActor(), new AuditEntry(AuditActions.ReportExported, AuditOutcome.Success, "report:" + report,
            $"rows={rows.Count} from={Time(period.From)} to={Time(period.To)}"), cancellationToken);
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{report}-{clock.GetUtcNow().UtcDateTime:yyyyMMdd-HHmmss}.csv\"";
        await using var writer = new StreamWriter(context.Response.Body, new System.Text.UTF8Encoding(false), 1 << 14, leaveOpen: true);
        // Report cells come from users (names, notes): escaped so a spreadsheet never runs them as formulas.
        await using var csv = new CsvWriter(writer, new CsvHelper.Configuration.CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = CsvHelper.Configuration.InjectionOptions.Escape }, leaveOpen: true);
        foreach (var h in header)
        {
            csv.WriteField(h);
        }

        await csv.NextRecordAsync();
        foreach (var row in rows)
        {
            foreach (var field in row)
            {
                csv.WriteField(field);
            }

            await csv.NextRecordAsync();
        }

        await csv.FlushAsync();
        await writer.FlushAsync(cancellationToken);
        return TypedResults.Empty;
    }

    private static string Time(DateTimeOffset? t) => t is { } v ? AuditExportFormat.Time(v) : "";
}
