using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Auth;
using Portal.Operations.SelfCheck;

namespace Portal.Api;

/// <summary>Operations for staff: the readiness self-check, run on request.</summary>
internal static class OperationsApi
{
    public static void MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("operations", "Operations").RequireAuthorization(PortalPolicies.Staff);
        group.MapGet("/self-check", RunSelfCheckAsync).WithName("RunSelfCheck")
            .WithSummary("Runs the readiness checklist against the live configuration: each item pass, warn, fail or not_applicable, with what to do.");
    }

    public sealed record SelfCheckItemDto(string Id, string Title, string Status, string Finding, string Action);

    public sealed record SelfCheckReportDto(DateTimeOffset RanAt, int Failures, int Warnings, IReadOnlyList<SelfCheckItemDto> Items);

    internal static string StatusName(SelfCheckStatus status) => status switch
    {
        SelfCheckStatus.Pass => "pass",
        SelfCheckStatus.Warn => "warn",
        SelfCheckStatus.Fail => "fail",
        SelfCheckStatus.NotApplicable => "not_applicable",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    internal static async Task<Ok<SelfCheckReportDto>> RunSelfCheckAsync(SelfCheckRunner runner, CancellationToken cancellationToken)
    {
        var report = await runner.RunAsync(cancellationToken);
        return TypedResults.Ok(new SelfCheckReportDto(report.RanAt, report.Failures, report.Warnings,
            report.Items.Select(i => new SelfCheckItemDto(i.Id, i.Title, StatusName(i.Status), i.Finding, i.Action)).ToList()));
    }
}
