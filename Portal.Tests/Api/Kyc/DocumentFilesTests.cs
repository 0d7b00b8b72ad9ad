using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Kyc;

/// <summary>
/// Serving stored documents over a real Kestrel connection: tampered ciphertext is an error and never plaintext, and the
/// cookie-only viewer endpoint refuses anonymous callers and API credentials.
/// </summary>
public sealed class DocumentFilesTests : IAsyncLifetime
{
    private const int Chunk = 64 * 1024;
    // Above Kestrel's server-wide 16 MiB body limit, so the upload endpoint must raise it for itself.
    private const int ConfiguredLimit = 20 * 1024 * 1024;
    private readonly PortalFactory _factory = new PortalFactory().WithSetting("Kyc:MaxUploadBytes", ConfiguredLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
    private HttpClient _http = default!;

    public ValueTask InitializeAsync()
    {
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_factory.StartKestrel()) };
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    private async Task<(string Key, string MerchantId, string Location, byte[] Pdf)> UploadedAsync(int length)
    {
        var (_, key) = await _factory.MerchantKeyAsync();
        using var created = await Send(HttpMethod.Post, "/api/v1/merchants", key, JsonContent.Create(new
        {
            business_name = "Tamper Ltd",
            cac_number = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            contact_email = "t@tamper.example",
        }));
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.JsonAsync()).GetProperty("merchant_id").GetString()!;
        // Every 64 KiB chunk starts with its own marker, so a leak of any chunk's plaintext is recognisable.
        var pdf = RandomNumberGenerator.GetBytes(length);
        for (var i = 0; i < length / Chunk; i++)
        {
            System.Text.Encoding.ASCII.GetBytes($"CHUNK-{i:D2}-PLAINTEXT").CopyTo(pdf, i * Chunk);
        }

        "%PDF-1.7\n"u8.CopyTo(pdf);
        var body = new ByteArrayContent(pdf);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        using var uploaded = await Send(HttpMethod.Put, $"/api/v1/merchants/{id}/documents/bank_statement", key, body);
        uploaded.StatusCode.ShouldBe(HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        return (key, id, uploaded.Headers.Location!.ToString(), pdf);
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? bearer, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
    }

    private string StoredFile() => Directory.EnumerateFiles(Path.Combine(_factory.DataPath, "documents"), "*.pdoc", SearchOption.AllDirectories).Single();

    private static void Flip(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x01));
    }

    [Fact]
    public async Task A_configured_limit_above_the_servers_default_body_size_is_the_limit_that_applies()
    {
        var (_, _, location, pdf) = await UploadedAsync(18 * 1024 * 1024); // over 16 MiB, under the configured 20 MiB
        location.ShouldContain("/versions/");
        pdf.Length.ShouldBeGreaterThan(16 * 1024 * 1024);
        // (Above the configured limit is a 413 problem: KycDocumentsApiTests, with and without Content-Length.)
    }

    [Fact]
    public async Task An_untampered_document_comes_back_whole()
    {
        var (key, _, location, pdf) = await UploadedAsync(4 * Chunk + 100);
        using var response = await Send(HttpMethod.Get, location, key);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).ShouldBe(pdf);
    }

    [Fact]
    public async Task A_tampered_first_chunk_is_a_500_problem_before_any_byte_is_served()
    {
        var (key, _, location, _) = await UploadedAsync(4 * Chunk + 100);
        var path = StoredFile();
        // The first chunk's ciphertext starts after the header (magic, version, wrapped key, nonce): 1 KiB in is inside it.
        Flip(path, 1024);

        using var response = await Send(HttpMethod.Get, location, key);

        var problem = await response.ShouldBeProblemAsync(500);
        problem.GetRawText().ShouldNotContain("CHUNK-");
        var failures = await _factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: "kyc.document_viewed", Limit: 10));
        failures.Events.ShouldContain(e => e.Outcome == AuditOutcome.Failure);
    }

    [Fact]
    public async Task A_tampered_later_chunk_is_a_500_problem_and_not_one_byte_is_served()
    {
        var (key, _, location, _) = await UploadedAsync(4 * Chunk + 100);
        var path = StoredFile();
        // Inside the fourth chunk (index 3): the last chunk is 100 bytes plus its tag, so 2 KiB from the end is in chunk 3.
        Flip(path, new FileInfo(path).Length - 2048);

        using var response = await Send(HttpMethod.Get, location, key);

        var problem = await response.ShouldBeProblemAsync(500);
        problem.GetRawText().ShouldNotContain("CHUNK-");
        problem.GetRawText().ShouldNotContain("%PDF");
    }

    [Fact]
    public async Task A_truncated_document_is_a_500_problem()
    {
        var (key, _, location, _) = await UploadedAsync(4 * Chunk + 100);
        var path = StoredFile();
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.SetLength(file.Length - 200); // the whole last chunk and part of the one before
        }

        using var response = await Send(HttpMethod.Get, location, key);

        await response.ShouldBeProblemAsync(500);
    }

    [Fact]
    public async Task The_viewer_endpoint_is_404_for_anonymous_callers_and_api_keys()
    {
        var (key, merchantId, location, _) = await UploadedAsync(1000);
        var versionId = location[(location.LastIndexOf('/') + 1)..];
        var url = $"/documents/{merchantId[4..]}/BankStatement/{versionId}";

        using var anonymous = await Send(HttpMethod.Get, url, null);
        anonymous.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        using var withKey = await Send(HttpMethod.Get, url, key);
        withKey.StatusCode.ShouldBe(HttpStatusCode.NotFound); // the API key is not the UI cookie
    }
}
