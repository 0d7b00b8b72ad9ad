using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Auth;
using Portal.Core.Kyc;

namespace Portal.Web;

/// <summary>
/// GET /documents/{merchantId}/{type}/{versionId}: a KYC document for the portal's own pages (the case page's viewer, the
/// merchant's Documents page), authenticated by the UI cookie; the /api endpoints never accept that cookie. Anyone who
/// may not see the document, signed in or not, gets 404. The tenant
/// rule and the audit are <see cref="KycDocumentService.OpenAsync"/>'s. Served inline with its stored type, never sniffed,
/// and framable by the portal itself only (<see cref="SecurityHeaders"/>).
/// </summary>
internal static class DocumentFiles
{
    public static string Url(Guid merchantId, DocumentType type, string versionId) => $"/documents/{merchantId:N}/{type}/{Uri.EscapeDataString(versionId)}";

    public static void MapDocumentFiles(this IEndpointRouteBuilder app) =>
        app.MapGet("/documents/{merchantId:guid}/{type}/{versionId}", OpenAsync)
            .RequireAuthorization(PortalPolicies.SignedIn)
            .AllowAnonymous() // authenticate the cookie, but answer 404 rather than a sign-in redirect to anyone who may not see it
            .WithMetadata(new FramableBySelf())
            .ExcludeFromDescription();

    internal static async Task<Results<FileStreamHttpResult, NotFound>> OpenAsync(Guid merchantId, string type, string versionId, HttpContext context,
        KycDocumentService documents, CancellationToken cancellationToken)
    {
        // AllowAnonymous switched the policy off, and with it the staff second factor: check that here.
        if (!Enum.TryParse<DocumentType>(type, ignoreCase: false, out var documentType) || !Enum.IsDefined(documentType)
            || !await StaffMfa.IsSatisfiedAsync(context)
            || await documents.OpenAsync(context.ToActor(), merchantId, documentType, versionId, cancellationToken) is not { } opened)
        {
            return TypedResults.NotFound();
        }

        context.Response.ContentLength = opened.Version.Length;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentDisposition = "inline";
        return TypedResults.Stream(opened.Content, DocumentIntake.ContentType(opened.Version.Format));
    }
}

/// <summary>Marks a response the portal's own pages may frame (frame-ancestors 'self' instead of 'none').</summary>
internal sealed class FramableBySelf;
