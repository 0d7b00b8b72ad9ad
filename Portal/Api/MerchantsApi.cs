using Microsoft.AspNetCore.Http.HttpResults;
using System.ComponentModel.DataAnnotations;
using Portal.Api.OpenApi;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Merchants;
using Portal.Core.Security;

namespace Portal.Api;

/// <summary>/api/v1/merchants: seed 004's merchants API, with uniqueness that actually holds and tamper-proof cursors.</summary>
internal static class MerchantsApi
{
    public static void MapMerchantsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("merchants", "Merchants");
        group.MapPost("/", RegisterAsync).RequireAuthorization(PortalPolicies.MerchantOrAdmin).WithName("RegisterMerchant")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Register a merchant (a merchant key registers its own business; admins register new ones, Compliance is read-only). 409 if the CAC number is taken.");
        group.MapGet("/", ListAsync).RequireAuthorization(PortalPolicies.Admin).WithName("ListMerchants")
            .WithSummary("Merchants newest first (or by name with name_prefix), cursor-paged, filterable by status and exact CAC number.");
        group.MapGet("/{merchantId:merchant_id}", GetAsync).WithName("GetMerchant")
            .WithSummary("One merchant with its contact and owner details. Merchants can read only their own.");
    }

    [ApiRequest]
    public sealed record RegisterBody([property: Required] string? BusinessName, [property: Required] string? CacNumber, [property: Required] string? ContactEmail);

    public sealed record CreatedBody(string MerchantId, DateTimeOffset CreatedDate, string Status);

    public sealed record SummaryDto(string MerchantId, string BusinessName, string CacNumber, string Status, DateTimeOffset CreatedDate, DateTimeOffset UpdatedDate);

    public sealed record MerchantList(IReadOnlyList<SummaryDto> Data, int Count, string? NextCursor);

    public sealed record OwnerDto(string Name, DateOnly DateOfBirth, string Nationality, decimal OwnershipPercent);

    public sealed record AccountDto(string BankName, string AccountName, string AccountNumberMasked);

    public sealed record MerchantDto(
        string MerchantId, string EntityType, string BusinessName, string CacNumber, string? BusinessType, string? RegisteredAddress, string? Website,
        string? Industry, string ContactEmail, string? ContactPhone, IReadOnlyList<OwnerDto> Owners, AccountDto? SettlementAccount, string Status,
        string? StatusNote, DateTimeOffset CreatedDate, DateTimeOffset UpdatedDate, long Version);

    internal static async Task<Results<Created<CreatedBody>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterBody body, HttpContext context, MerchantService merchants, CancellationToken cancellationToken)
    {
        var result = await merchants.RegisterAsync(context.ToActor(), new RegisterMerchantRequest(body.BusinessName, body.CacNumber, body.ContactEmail), cancellationToken);
        if (!result.TryGet(out var m))
        {
            return result.Error!.Kind == ErrorKind.Validation ? result.Error.ToValidationProblem() : result.Error.ToProblem(context, NoSuchMerchant);
        }

        return TypedResults.Created($"/api/v1/merchants/{m.DisplayId}", new CreatedBody(m.DisplayId, m.CreatedAt, Status(m.Status)));
    }

    internal static async Task<Results<Ok<MerchantList>, ValidationProblem, ProblemHttpResult>> ListAsync(
        HttpContext context, MerchantService merchants, string? limit, string? cursor, string? status, string? cac_number, string? name_prefix, CancellationToken cancellationToken)
    {
        // limit and status arrive as strings so that "abc" or "-1" are a named 400, not a framework error.
        int? size = null;
        if (limit is not null)
        {
            if (!AsciiDigits.TryParse(limit, out int parsed))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be an integer between 1 and {MerchantService.MaxPageSize}."] });
            }

            size = parsed;
        }

        MerchantStatus? filter = null;
        if (status is not null)
        {
            if (ParseStatus(status) is not { } parsedStatus)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["status must be one of: " + string.Join(", ", Enum.GetValues<MerchantStatus>().Select(Status))] });
            }

            filter = parsedStatus;
        }

        var result = await merchants.ListAsync(context.ToActor(), size, cursor, filter, cac_number, name_prefix, cancellationToken);
        if (!result.TryGet(out var listing))
        {
            return result.Error!.Kind == ErrorKind.Validation ? result.Error.ToValidationProblem() : result.Error.ToProblem(context, NoSuchMerchant);
        }

        var items = listing.Items.Select(m => new SummaryDto(new MerchantId(m.Id).ToString(), m.BusinessName, m.CacNumber, Status(m.Status), m.CreatedAt, m.UpdatedAt)).ToList();
        return TypedResults.Ok(new MerchantList(items, items.Count, listing.NextCursor));
    }

    internal static async Task<Results<Ok<MerchantDto>, ProblemHttpResult>> GetAsync(MerchantId merchantId, HttpContext context, MerchantService merchants, CancellationToken cancellationToken)
    {
        var result = await merchants.GetAsync(context.ToActor(), merchantId.Value, cancellationToken);
        if (!result.TryGet(out var m))
        {
            // Whatever the reason, a merchant the caller may not read looks unknown.
            return TypedResults.Problem(title: NoSuchMerchant, statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.Ok(new MerchantDto(m.DisplayId, Merchant.EntityType, m.BusinessName, m.CacNumber, m.BusinessType?.ToString(), m.RegisteredAddress, m.Website,
            m.Industry, m.Pii.ContactEmail, m.Pii.ContactPhone, m.Pii.Owners.Select(o => new OwnerDto(o.Name, o.DateOfBirth, o.Nationality, o.OwnershipPercent)).ToList(),
            m.Pii.Bank is { } bank ? new AccountDto(bank.BankName, bank.AccountName, bank.MaskedNumber) : null, Status(m.Status), m.StatusNote, m.CreatedAt, m.UpdatedAt, m.Version));
    }

    /// <summary>Status names on the wire: snake_case, like every other field.</summary>
    public static string Status(MerchantStatus status) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    private static MerchantStatus? ParseStatus(string value) => Enum.GetValues<MerchantStatus>().Cast<MerchantStatus?>().FirstOrDefault(s => Status(s!.Value) == value);

    private const string NoSuchMerchant = "No such merchant";
}
