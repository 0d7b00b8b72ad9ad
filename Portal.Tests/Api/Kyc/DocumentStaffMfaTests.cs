using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Auth;
using Portal.Core.Kyc;
using Portal.Tests.Infrastructure;
using Portal.Web;

namespace Portal.Tests.Api.Kyc;

/// <summary>
/// The document URLs allow anonymous callers (to answer them 404 rather than a challenge), which switched off the staff
/// second factor: a staff principal without amr=mfa must be refused there too.
/// </summary>
public sealed class DocumentStaffMfaTests(DocumentStaffMfaTests.Fixture fixture) : IClassFixture<DocumentStaffMfaTests.Fixture>
{
    public sealed class Fixture : IAsyncDisposable
    {
        public PortalFactory Factory { get; } = new PortalFactory().WithSetting("Auth:AuthRequestsPerMinute", "1000");

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    /// <summary>A merchant's uploaded director id: the API path of the version and the portal's own file URL.</summary>
    private async Task<(string ApiPath, string FilePath)> UploadedDocumentAsync()
    {
        var (_, key) = await Factory.MerchantKeyAsync();
        using var client = Factory.ClientWithBearer(key);
        using var created = await client.PostAsJsonAsync("/api/v1/merchants",
            new { business_name = "Docs Ltd", cac_number = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture), contact_email = "d@docs.example" });
        var merchantId = (await created.JsonAsync()).GetProperty("merchant_id").GetString()!;
        var pdf = new byte[500];
        "%PDF-1.7\n"u8.CopyTo(pdf);
        using var body = new ByteArrayContent(pdf);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        using var uploaded = await client.PutAsync($"/api/v1/merchants/{merchantId}/documents/director_id", body);
        uploaded.StatusCode.ShouldBe(HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        var versionId = (await uploaded.JsonAsync()).GetProperty("version_id").GetString()!;
        return (uploaded.Headers.Location!.OriginalString, DocumentFiles.Url(Guid.ParseExact(merchantId[4..], "N"), DocumentType.DirectorId, versionId));
    }

    [Fact]
    public async Task Document_file_refuses_staff_signed_in_without_the_second_factor()
    {
        var (_, file) = await UploadedDocumentAsync();
        var (admin, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        using var client = Factory.HttpsClient();
        using var signedIn = await AccountForms.SignInAsync(client, admin.Email!); // password only: enrolment comes next

        using var response = await client.GetAsync(file);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Document_file_opens_for_staff_with_the_second_factor()
    {
        var (_, file) = await UploadedDocumentAsync();
        var (admin, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        using var client = Factory.HttpsClient();
        await AccountForms.SignInAndEnrolAsync(client, admin.Email!);

        using var response = await client.GetAsync(file);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
    }

    [Fact]
    public async Task Document_download_api_refuses_a_staff_token_without_the_second_factor()
    {
        var (api, _) = await UploadedDocumentAsync();
        var (admin, _) = await Factory.CreateUserAsync(PortalRoles.Admin);
        using var client = Factory.ClientWithBearer(await TokenWithoutSecondFactorAsync(admin));

        using var response = await client.GetAsync(api);

        await response.ShouldBeProblemAsync(404);
    }

    [Fact]
    public async Task Document_download_api_opens_for_a_staff_token_with_the_second_factor()
    {
        var (api, _) = await UploadedDocumentAsync();
        using var client = Factory.ClientWithBearer(await Factory.StaffTokenAsync(PortalRoles.Admin));

        using var response = await client.GetAsync(api);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>A staff bearer token as the token endpoint issues it when MFA is not required at the time (no amr=mfa).</summary>
    private async Task<string> TokenWithoutSecondFactorAsync(PortalUser user)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var principal = await scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>().CreateUserPrincipalAsync(user);
        var options = scope.ServiceProvider.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(IdentityConstants.BearerScheme);
        var now = DateTimeOffset.UtcNow;
        var ticket = new AuthenticationTicket(principal, new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now.AddMinutes(10) }, $"{IdentityConstants.BearerScheme}:AccessToken");
        return options.BearerTokenProtector.Protect(ticket);
    }
}
