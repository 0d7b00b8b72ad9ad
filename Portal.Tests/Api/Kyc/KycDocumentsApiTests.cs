using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Kyc;

public sealed class KycDocumentsApiTests(KycDocumentsApiTests.Fixture fixture) : IClassFixture<KycDocumentsApiTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        // A 300 KB limit keeps the oversize tests small; the default is 10 MB.
        public PortalFactory Factory { get; } = new PortalFactory().WithSetting("Kyc:MaxUploadBytes", "300000");

        public string AdminToken { get; private set; } = "";

        public async ValueTask InitializeAsync() => AdminToken = await Factory.StaffTokenAsync(PortalRoles.Admin);

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    private async Task<(HttpClient Client, string MerchantId)> MerchantAsync()
    {
        var (_, key) = await Factory.MerchantKeyAsync();
        var client = Factory.ClientWithBearer(key);
        using var created = await client.PostAsJsonAsync("/api/v1/merchants",
            new { business_name = "Docs Ltd", cac_number = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture), contact_email = "d@docs.example" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (client, (await created.JsonAsync()).GetProperty("merchant_id").GetString()!);
    }

    private static byte[] Pdf(int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    private static ByteArrayContent Body(byte[] bytes, string contentType = "application/pdf")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    [Fact]
    public async Task A_merchant_uploads_a_pdf_and_gets_it_back_byte_for_byte()
    {
        var (client, id) = await MerchantAsync();
        var pdf = Pdf(120_000);

        using var response = await client.PutAsync($"/api/v1/merchants/{id}/documents/certificate_of_incorporation", Body(pdf));

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var version = await response.JsonAsync();
        version.GetProperty("sha256").GetString().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(pdf)));
        version.GetProperty("format").GetString().ShouldBe("pdf");
        using var download = await client.GetAsync(response.Headers.Location);
        download.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
        (await download.Content.ReadAsByteArrayAsync()).ShouldBe(pdf);
        var list = await (await client.GetAsync($"/api/v1/merchants/{id}/documents")).JsonAsync();
        list.EnumerateArray().Single(r => r.GetProperty("type").GetString() == "certificate_of_incorporation").GetProperty("state").GetString().ShouldBe("uploaded");
        list.EnumerateArray().Single(r => r.GetProperty("type").GetString() == "bank_statement").GetProperty("state").GetString().ShouldBe("missing");
    }

    [Fact]
    public async Task Replacing_a_document_keeps_the_earlier_version()
    {
        var (client, id) = await MerchantAsync();
        using var first = await client.PutAsync($"/api/v1/merchants/{id}/documents/proof_of_address", Body(Pdf(1000)));
        using var second = await client.PutAsync($"/api/v1/merchants/{id}/documents/proof_of_address", Body(Pdf(2000)));

        var list = await (await client.GetAsync($"/api/v1/merchants/{id}/documents")).JsonAsync();
        var row = list.EnumerateArray().Single(r => r.GetProperty("type").GetString() == "proof_of_address");
        row.GetProperty("versions").GetInt32().ShouldBe(2);
        row.GetProperty("current").GetProperty("length").GetInt64().ShouldBe(2000);
        (await client.GetAsync(first.Headers.Location)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(new byte[] { 0x4D, 0x5A, 0x90, 0x00, 0x03 }, "application/pdf")] // an .exe sent as a PDF
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14 }, "image/png")]
    public async Task Files_that_are_not_pdf_jpeg_or_png_are_refused_by_their_bytes(byte[] head, string declared)
    {
        var (client, id) = await MerchantAsync();
        var bytes = head.Concat(new byte[1000]).ToArray();

        using var response = await client.PutAsync($"/api/v1/merchants/{id}/documents/director_id", Body(bytes, declared));

        (await response.ShouldBeProblemAsync(415)).GetProperty("detail").GetString()!.ShouldContain("PDF, JPEG or PNG");
        var list = await (await client.GetAsync($"/api/v1/merchants/{id}/documents")).JsonAsync();
        list.EnumerateArray().Single(r => r.GetProperty("type").GetString() == "director_id").GetProperty("state").GetString().ShouldBe("missing");
    }

    [Fact]
    public async Task Oversize_files_are_refused_with_or_without_a_content_length_and_nothing_is_kept()
    {
        var (client, id) = await MerchantAsync();
        var big = Pdf(400_000);

        await (await client.PutAsync($"/api/v1/merchants/{id}/documents/bank_statement", Body(big))).ShouldBeProblemAsync(413);
        // Chunked: no Content-Length, so the limit must hold while streaming.
        var chunked = new StreamContent(new MemoryStream(big));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/merchants/{id}/documents/bank_statement") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await (await client.SendAsync(request)).ShouldBeProblemAsync(413);

        var list = await (await client.GetAsync($"/api/v1/merchants/{id}/documents")).JsonAsync();
        list.EnumerateArray().Single(r => r.GetProperty("type").GetString() == "bank_statement").GetProperty("versions").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Another_merchant_and_anonymous_callers_see_nothing()
    {
        var (owner, id) = await MerchantAsync();
        using var uploaded = await owner.PutAsync($"/api/v1/merchants/{id}/documents/director_id", Body(Pdf(500)));
        var (stranger, _) = await MerchantAsync();
        using var anonymous = Factory.CreateClient();

        await (await stranger.GetAsync(uploaded.Headers.Location)).ShouldBeProblemAsync(404);
        await (await stranger.GetAsync($"/api/v1/merchants/{id}/documents")).ShouldBeProblemAsync(404);
        await (await stranger.PutAsync($"/api/v1/merchants/{id}/documents/director_id", Body(Pdf(500)))).ShouldBeProblemAsync(404);
        await (await anonymous.GetAsync(uploaded.Headers.Location)).ShouldBeProblemAsync(404);
        await (await anonymous.GetAsync($"/api/v1/merchants/{id}/documents/director_id/versions/no-such-version")).ShouldBeProblemAsync(404);
        await (await anonymous.GetAsync($"/api/v1/merchants/{id}/documents")).ShouldBeProblemAsync(401);
        await (await owner.GetAsync($"/api/v1/merchants/{id}/documents/passport/versions/x")).ShouldBeProblemAsync(404);
        (await owner.GetAsync(uploaded.Headers.Location)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The stranger's attempt is an audited denial; the anonymous probes write nothing.
        var events = (await Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "kyc.document_viewed", Limit: 100))).Events
            .Where(e => e.Target == $"{id}/DirectorId").ToList();
        events.Count(e => e.Outcome == AuditOutcome.Denied).ShouldBe(1);
        events.Count(e => e.Outcome == AuditOutcome.Success).ShouldBe(1);
    }

    [Fact]
    public async Task Staff_downloads_are_audited()
    {
        var (owner, id) = await MerchantAsync();
        using var uploaded = await owner.PutAsync($"/api/v1/merchants/{id}/documents/director_id", Body(Pdf(500)));
        using var admin = Factory.ClientWithBearer(fixture.AdminToken);

        (await admin.GetAsync(uploaded.Headers.Location)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var events = await Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "kyc.document_viewed", Limit: 100));
        events.Events.ShouldContain(e => e.ActorRole == "Admin" && e.Target == $"{id}/DirectorId");
    }
}
