using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Api.OpenApi;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Fraud.Lists;
using Portal.Core.Fraud.Rules;
using Portal.Core.Security;

namespace Portal.Api;

/// <summary>
/// /api/v1/fraud: the allow/block lists and the versioned fraud rules with four-eyes publishing. Admins only (the policy
/// on the group; the services refuse and audit anyone else too).
/// </summary>
internal static class FraudApi
{
    public static void MapFraudApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("fraud", "Fraud").RequireAuthorization(PortalPolicies.Admin);
        group.MapGet("/list_entries", ListEntriesAsync).WithName("ListFraudListEntries")
            .WithSummary("Allow and block list entries, newest first, filterable by list, subject and value; expired entries only with include_expired=true.");
        group.MapPost("/list_entries", AddEntryAsync).WithName("AddFraudListEntry")
            .WithSummary("Add an allow or block entry (customer, device, country, IP address or CIDR range, email domain). 400 names each bad field; nothing is saved.");
        group.MapPost("/list_entries/{entryId}/expire", ExpireEntryAsync).WithName("ExpireFraudListEntry")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Expire an entry now. 409 when it changed since it was read (version).");
        group.MapPost("/list_entries/import", ImportAsync).WithName("ImportFraudListEntries")
            .WithMetadata(new ApiRawBody("A CSV file with the header list,subject,value,reason,expires_at,merchant_id (at most 100 rows).", false, "text/csv"))
            .WithSummary("Import entries from CSV: every row is checked first; any bad row (named with its row number and field) means nothing is saved.");
        group.MapGet("/rules", GetRulesAsync).WithName("GetFraudRules").WithSummary("The live rule version, the draft (if any) and every published version.");
        group.MapPut("/rules/draft", SaveDraftAsync).WithName("SaveFraudRuleDraft").ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Save the draft of the next rule version. revision is the draft's revision as read (0 to start one); 409 names who changed it since.");
        group.MapPost("/rules/draft/publish", PublishAsync).WithName("PublishFraudRuleDraft").ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Publish the draft as the next version (four eyes: 403 for anyone who edited it). It scores payments from then on.");
    }

    [ApiRequest]
    public sealed record FraudListEntryBody([property: Required] string? List, [property: Required] string? Subject, [property: Required] string? Value,
        [property: Required] string? Reason, DateTimeOffset? ExpiresAt, string? MerchantId);

    [ApiRequest]
    public sealed record FraudListExpireBody([property: Required] long? Version);

    public sealed record FraudListEntryDto(string Id, string List, string Subject, string Value, string? MerchantId, string Reason, string AuthorName,
        DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, string? ExpiredBy, bool Active, long Version);

    public sealed record FraudListEntryList(IReadOnlyList<FraudListEntryDto> Data, int Total);

    public sealed record FraudListImportResult(int Added, IReadOnlyList<FraudListEntryDto> Data);

    [ApiRequest]
    public sealed record FraudRuleParametersDto(
        [property: Required] int? BlockAbove, [property: Required] int? ReviewFrom,
        [property: Required] int? AmountSpikeWeight, [property: Required] double? AmountSpikeMultiplier, [property: Required] int? AmountSpikeMinHistory,
        [property: Required] int? VelocityWeight, [property: Required] int? VelocityMaxPayments, [property: Required] int? VelocityWindowSeconds,
        [property: Required] int? UnknownDeviceWeight, [property: Required] int? CountryMismatchWeight,
        [property: Required] int? CardTestingWeight, [property: Required] long? CardTestingSmallAmount, [property: Required] int? CardTestingMinSmallPayments,
        [property: Required] int? CardTestingWindowSeconds);

    [ApiRequest]
    public sealed record FraudRuleDraftBody([property: Required] FraudRuleParametersDto? Parameters, [property: Required] long? Revision, string? Note);

    [ApiRequest]
    public sealed record FraudRulePublishBody([property: Required] long? Revision);

    public sealed record FraudRuleVersionDto(int Version, FraudRuleParametersDto Parameters, IReadOnlyList<string> Authors, string PublishedBy, DateTimeOffset PublishedAt, string? Note);

    public sealed record FraudRuleDraftDto(FraudRuleParametersDto Parameters, int BasedOn, IReadOnlyList<string> Editors, string? Note, DateTimeOffset UpdatedAt, long Revision);

    public sealed record FraudRulesDto(FraudRuleVersionDto Live, FraudRuleDraftDto? Draft, IReadOnlyList<FraudRuleVersionDto> Versions);

    internal static async Task<Results<Ok<FraudListEntryList>, ValidationProblem, ProblemHttpResult>> ListEntriesAsync(HttpContext context, FraudListService lists,
        TimeProvider clock, string? list, string? subject, string? search, string? include_expired, string? skip, string? take, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        FraudListType? listFilter = null;
        if (list is not null && (listFilter = FraudListNames.ParseList(list)) is null)
        {
            errors["list"] = ["list must be one of: allow, block."];
        }

        FraudListSubject? subjectFilter = null;
        if (subject is not null && (subjectFilter = FraudListNames.ParseSubject(subject)) is null)
        {
            errors["subject"] = ["subject must be one of: " + string.Join(", ", FraudListNames.Subjects) + "."];
        }

        var offset = 0;
        if (skip is not null && (!AsciiDigits.TryParse(skip, out offset) || offset < 0))
        {
            errors["skip"] = ["skip must be a non-negative integer."];
        }

        var size = 25;
        if (take is not null && (!AsciiDigits.TryParse(take, out size) || size is < 1 or > FraudListService.MaxPageSize))
        {
            errors["take"] = [$"take must be an integer between 1 and {FraudListService.MaxPageSize}."];
        }

        if (include_expired is not null and not ("true" or "false"))
        {
            errors["include_expired"] = ["include_expired must be true or false."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var result = await lists.ListAsync(context.ToActor(), new FraudListQuery(listFilter, subjectFilter, include_expired == "true", search, offset, size), cancellationToken);
        if (!result.TryGet(out var page))
        {
            return result.Error!.ToProblem(context);
        }

        var now = clock.GetUtcNow();
        return TypedResults.Ok(new FraudListEntryList(page.Items.Select(e => Dto(e, now)).ToList(), page.Total));
    }

    internal static async Task<Results<Created<FraudListEntryDto>, ValidationProblem, ProblemHttpResult>> AddEntryAsync(FraudListEntryBody body, HttpContext context, FraudListService lists,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var result = await lists.AddAsync(context.ToActor(), new FraudListEntryRequest(body.List, body.Subject, body.Value, body.Reason, body.ExpiresAt, body.MerchantId),
            cancellationToken);
        if (!result.TryGet(out var entry))
        {
            return result.Error!.Kind == Core.ErrorKind.Validation ? result.Error.ToValidationProblem() : result.Error.ToProblem(context);
        }

        return TypedResults.Created($"/api/v1/fraud/list_entries/{entry.DisplayId}", Dto(entry, clock.GetUtcNow()));
    }

    internal static async Task<Results<Ok<FraudListEntryDto>, ValidationProblem, ProblemHttpResult>> ExpireEntryAsync(string entryId, FraudListExpireBody body, HttpContext context,
        FraudListService lists, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (FraudListEntryId.From(entryId) is not { } id)
        {
            return TypedResults.Problem(title: NoSuchEntry, statusCode: StatusCodes.Status404NotFound);
        }

        if (body.Version is not { } version)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["version"] = ["version is required: the entry's version as read."] });
        }

        var result = await lists.ExpireAsync(context.ToActor(), id.Value, version, cancellationToken);
        return result.TryGet(out var entry) ? TypedResults.Ok(Dto(entry, clock.GetUtcNow())) : result.Error!.ToProblem(context, NoSuchEntry);
    }

    internal static async Task<Results<Ok<FraudListImportResult>, ValidationProblem, ProblemHttpResult>> ImportAsync(HttpContext context, FraudListService lists, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var result = await lists.ImportCsvAsync(context.ToActor(), context.Request.Body, null, cancellationToken);
        if (!result.TryGet(out var import))
        {
            return result.Error!.Kind == Core.ErrorKind.Validation ? result.Error.ToValidationProblem() : result.Error.ToProblem(context);
        }

        var now = clock.GetUtcNow();
        return TypedResults.Ok(new FraudListImportResult(import.Added, import.Entries.Select(e => Dto(e, now)).ToList()));
    }

    internal static async Task<Results<Ok<FraudRulesDto>, ProblemHttpResult>> GetRulesAsync(HttpContext context, FraudRuleService rules, CancellationToken cancellationToken)
    {
        var result = await rules.GetAsync(context.ToActor(), cancellationToken);
        if (!result.TryGet(out var overview))
        {
            return result.Error!.ToProblem(context);
        }

        return TypedResults.Ok(new FraudRulesDto(Dto(overview.Live), overview.Draft is { } d ? Dto(d) : null, overview.Versions.Select(Dto).ToList()));
    }

    internal static async Task<Results<Ok<FraudRuleDraftDto>, ValidationProblem, ProblemHttpResult>> SaveDraftAsync(FraudRuleDraftBody body, HttpContext context, FraudRuleService rules,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Revision is not { } revision || revision < 0)
        {
            errors["revision"] = ["revision is required: the draft's revision as read, or 0 to start a draft."];
            revision = 0;
        }

        if (body.Parameters is not { } p)
        {
            errors["parameters"] = ["parameters is required."];
            return TypedResults.ValidationProblem(errors);
        }

        foreach (var (name, missing) in Missing(p))
        {
            if (missing)
            {
                errors["parameters." + name] = [$"{name} is required."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var parameters = new FraudRuleParameters(p.BlockAbove!.Value, p.ReviewFrom!.Value, p.AmountSpikeWeight!.Value, p.AmountSpikeMultiplier!.Value, p.AmountSpikeMinHistory!.Value,
            p.VelocityWeight!.Value, p.VelocityMaxPayments!.Value, TimeSpan.FromSeconds(p.VelocityWindowSeconds!.Value), p.UnknownDeviceWeight!.Value, p.CountryMismatchWeight!.Value,
            p.CardTestingWeight!.Value, p.CardTestingSmallAmount!.Value, p.CardTestingMinSmallPayments!.Value, TimeSpan.FromSeconds(p.CardTestingWindowSeconds!.Value));
        var result = await rules.SaveDraftAsync(context.ToActor(), parameters, body.Note, revision, cancellationToken);
        if (!result.TryGet(out var draft))
        {
            return result.Error!.Kind == Core.ErrorKind.Validation ? result.Error.ToValidationProblem() : result.Error.ToProblem(context);
        }

        return TypedResults.Ok(Dto(draft));
    }

    internal static async Task<Results<Ok<FraudRuleVersionDto>, ValidationProblem, ProblemHttpResult>> PublishAsync(FraudRulePublishBody body, HttpContext context, FraudRuleService rules,
        CancellationToken cancellationToken)
    {
        if (body.Revision is not { } revision)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["revision"] = ["revision is required: the draft's revision as read."] });
        }

        var result = await rules.PublishAsync(context.ToActor(), revision, cancellationToken);
        return result.TryGet(out var version) ? TypedResults.Ok(Dto(version)) : result.Error!.ToProblem(context);
    }

    private static IEnumerable<(string Name, bool Missing)> Missing(FraudRuleParametersDto p) =>
    [
        ("block_above", p.BlockAbove is null), ("review_from", p.ReviewFrom is null), ("amount_spike_weight", p.AmountSpikeWeight is null),
        ("amount_spike_multiplier", p.AmountSpikeMultiplier is null), ("amount_spike_min_history", p.AmountSpikeMinHistory is null),
        ("velocity_weight", p.VelocityWeight is null), ("velocity_max_payments", p.VelocityMaxPayments is null), ("velocity_window_seconds", p.VelocityWindowSeconds is null),
        ("unknown_device_weight", p.UnknownDeviceWeight is null), ("country_mismatch_weight", p.CountryMismatchWeight is null), ("card_testing_weight", p.CardTestingWeight is null),
        ("card_testing_small_amount", p.CardTestingSmallAmount is null), ("card_testing_min_small_payments", p.CardTestingMinSmallPayments is null),
        ("card_testing_window_seconds", p.CardTestingWindowSeconds is null),
    ];

    private static FraudListEntryDto Dto(FraudListEntry e, DateTimeOffset now) => new(e.DisplayId, FraudListNames.Of(e.List), FraudListNames.Of(e.Subject), e.Value,
        e.MerchantId is { } m ? new MerchantId(m).ToString() : null, e.Reason, e.AuthorName, e.CreatedAt, e.ExpiresAt, e.ExpiredBy, e.IsActive(now), e.Version);

    private static FraudRuleParametersDto Dto(FraudRuleParameters p) => new(p.BlockAbove, p.ReviewFrom, p.AmountSpikeWeight, p.AmountSpikeMultiplier, p.AmountSpikeMinHistory,
        p.VelocityWeight, p.VelocityMaxPayments, (int)p.VelocityWindow.TotalSeconds, p.UnknownDeviceWeight, p.CountryMismatchWeight, p.CardTestingWeight,
        p.CardTestingSmallAmount, p.CardTestingMinSmallPayments, (int)p.CardTestingWindow.TotalSeconds);

    private static FraudRuleVersionDto Dto(FraudRuleVersion v) => new(v.Version, Dto(v.Parameters), v.Authors.Select(a => a.Name).ToList(), v.PublishedByName, v.PublishedAt, v.Note);

    private static FraudRuleDraftDto Dto(FraudRuleDraft d) => new(Dto(d.Parameters), d.BasedOn, d.Editors.Select(e => e.Name).ToList(), d.Note, d.UpdatedAt, d.Revision);

    private const string NoSuchEntry = "No such list entry";
}
