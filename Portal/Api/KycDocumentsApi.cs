using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Auth;
using Portal.Core;
using Portal.Core.Kyc;
using Portal.Web;

namespace Portal.Api;

/// <summary>/api/v1/merchants/{id}/documents: KYC documents, uploaded as the raw request body and streamed to encrypted storage.</summary>
internal static class KycDocumentsApi
{
    // Generous transport limit; the configured Kyc:MaxUploadBytes is enforced while streaming.
    private const long TransportLimit = 101L * 1024 * 1024;

    public static void MapKycDocumentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("merchants/{merchantId:merchant_id}/documents", "KYC documents");
        group.MapGet("/", ListAsync).WithName("ListKycDocuments").WithSummary("Required documents and the state of each (missing, uploaded, accepted, rejected).");
        group.MapPut("/{type}", UploadAsync).WithMetadata(new LargeBody(TransportLimit))
            .WithMetadata(new Portal.Api.OpenApi.ApiRawBody("The file itself as the raw body (not multipart): PDF, JPEG or PNG, recognised by its bytes.", true,
                "application/pdf", "image/jpeg", "image/png", "application/octet-stream")).WithName("UploadKycDocument")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Upload a new version (PDF, JPEG or PNG, decided by the file's bytes) as the raw request body.");
        // A document URL answers 404 to anyone who may not see it, anonymous callers included: whether a merchant or a
        // version exists is not given away. The API credential is still authenticated (AllowAnonymous only skips the challenge).
        group.MapGet("/{type}/versions/{versionId}", DownloadAsync).AllowAnonymous().WithName("DownloadKycDocument")
            .Produces(StatusCodes.Status200OK)
            .WithMetadata(new Portal.Api.OpenApi.ApiFileResponse("The version's file, as uploaded.", "application/pdf", "image/jpeg", "image/png")).WithSummary("One version's content (audited); 404 for anyone who may not see it.");
    }

    public sealed record VersionDto(string VersionId, string Format, long Length, string Sha256, DateTimeOffset UploadedAt, string State, string? Reason);

    public sealed record RequirementDto(string Type, string State, VersionDto? Current, int Versions);

    internal static async Task<Results<Ok<IReadOnlyList<RequirementDto>>, ProblemHttpResult>> ListAsync(MerchantId merchantId, HttpContext context, KycDocumentService documents, CancellationToken cancellationToken)
    {
        var requirements = await documents.RequirementsAsync(context.ToActor(), merchantId.Value, cancellationToken);
        return requirements is null
            ? NotFound()
            : TypedResults.Ok<IReadOnlyList<RequirementDto>>(requirements.Select(r => new RequirementDto(Name(r.Type), Name(r.State), r.Current is null ? null : Dto(r.Current), r.Versions)).ToList());
    }

    internal static async Task<Results<Created<VersionDto>, ProblemHttpResult>> UploadAsync(MerchantId merchantId, string type, HttpContext context, KycDocumentService documents, CancellationToken cancellationToken)
    {
        if (ParseType(type) is not { } documentType)
        {
            return NotFound();
        }

        if (context.Request.ContentLength > documents.MaxUploadBytes)
        {
            return TypedResults.Problem(title: "File too large", detail: $"The file is larger than {documents.MaxUploadBytes / (1024 * 1024)} MB.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var result = await documents.UploadAsync(context.ToActor(), merchantId.Value, documentType, context.Request.Body, cancellationToken);
        return result.TryGet(out var version)
            ? TypedResults.Created($"/api/v1/merchants/{merchantId}/documents/{type}/versions/{version.VersionId}", Dto(version))
            : result.Error!.ToProblem(context);
    }

    internal static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadAsync(MerchantId merchantId, string type, string versionId, HttpContext context,
        KycDocumentService documents, CancellationToken cancellationToken)
    {
        // AllowAnonymous switched the group's policy off, and with it the staff second factor: check that here.
        if (ParseType(type) is not { } documentType
            || !await StaffMfa.IsSatisfiedAsync(context)
            || await documents.OpenAsync(context.ToActor(), merchantId.Value, documentType, versionId, cancellationToken) is not { } opened)
        {
            return NotFound();
        }

        return TypedResults.Stream(opened.Content, DocumentIntake.ContentType(opened.Version.Format), $"{type}-{versionId}.{Extension(opened.Version.Format)}");
    }

    private static VersionDto Dto(KycDocumentVersion v) => new(v.VersionId, Name(v.Format), v.Length, v.Sha256, v.UploadedAt, Name(v.State), v.Reason);

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static DocumentType? ParseType(string value) => Enum.GetValues<DocumentType>().Cast<DocumentType?>().FirstOrDefault(t => Name(t!.Value) == value);

    private static string Extension(DocumentFormat format) => format switch
    {
        DocumentFormat.Pdf => "pdf",
        DocumentFormat.Jpeg => "jpg",
        _ => "png",
    };

    private static ProblemHttpResult NotFound() => TypedResults.Problem(title: "Not found", statusCode: StatusCodes.Status404NotFound);
}
