using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Kyc;

/// <summary>The per-merchant document limits over HTTP: each refusal is a problem that names the limit.</summary>
public sealed class KycDocumentQuotaApiTests
{
    private static ByteArrayContent Pdf(int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        return content;
    }

    [Fact]
    public async Task Version_limit_storage_quota_and_upload_rate_are_answered_409_413_and_429_naming_the_limit()
    {
        await using var factory = new PortalFactory()
            .WithSetting("Kyc:MaxUploadBytes", "300000")
            .WithSetting("Kyc:MaxVersionsPerDocument", "2")
            .WithSetting("Kyc:MaxBytesPerMerchant", "400000")
            .WithSetting("Kyc:UploadsPerMinutePerMerchant", "5");
        var (_, key) = await factory.MerchantKeyAsync();
        using var client = factory.ClientWithBearer(key);
        using var created = await client.PostAsJsonAsync("/api/v1/merchants",
            new { business_name = "Quota Ltd", cac_number = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture), contact_email = "q@quota.example" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var documents = $"/api/v1/merchants/{(await created.JsonAsync()).GetProperty("merchant_id").GetString()}/documents";

        for (var i = 0; i < 2; i++)
        {
            using var stored = await client.PutAsync($"{documents}/proof_of_address", Pdf(1000));
            stored.StatusCode.ShouldBe(HttpStatusCode.Created, await stored.Content.ReadAsStringAsync());
        }

        using var thirdVersion = await client.PutAsync($"{documents}/proof_of_address", Pdf(1000));
        (await thirdVersion.ShouldBeProblemAsync(409)).GetProperty("detail").GetString()!.ShouldContain("2 versions");

        using var large = await client.PutAsync($"{documents}/bank_statement", Pdf(290_000));
        large.StatusCode.ShouldBe(HttpStatusCode.Created, await large.Content.ReadAsStringAsync());
        using var overQuota = await client.PutAsync($"{documents}/director_id", Pdf(200_000)); // 292,000 stored + 200,000 > 400,000
        (await overQuota.ShouldBeProblemAsync(413)).GetProperty("detail").GetString()!.ShouldContain("0.4 MB in total");

        using var tooFast = await client.PutAsync($"{documents}/director_id", Pdf(1000)); // the sixth upload this minute
        (await tooFast.ShouldBeProblemAsync(429)).GetProperty("detail").GetString()!.ShouldContain("5 uploads a minute");
        tooFast.Headers.RetryAfter.ShouldNotBeNull();
    }
}
