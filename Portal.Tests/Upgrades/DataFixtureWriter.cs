using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.ApiKeys;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Upgrades;

/// <summary>
/// Writes a data folder with the code of this checkout, for UpgradeFromFixtureTests: run it once per release
/// that changes a schema (Fixtures/make-data-fixture.sh data-vN) and commit the folder. Skipped unless
/// PORTAL_WRITE_FIXTURE names the target folder, so the suite never rewrites a committed fixture.
/// </summary>
public sealed class DataFixtureWriter
{
    [Fact]
    public async Task Write_data_fixture()
    {
        var target = Environment.GetEnvironmentVariable("PORTAL_WRITE_FIXTURE");
        Assert.SkipWhen(string.IsNullOrEmpty(target), "Set PORTAL_WRITE_FIXTURE to the folder to write (see Fixtures/make-data-fixture.sh).");
        Assert.False(Directory.Exists(Path.Combine(target!, "data")), $"{target}/data exists: a committed fixture is never rewritten.");

        var manifest = new DataFixtureManifest { Password = PortalFactory.Password };
        var certificate = DataFixtureManifest.Certificate();
        var factory = new PortalFactory();
        try
        {
            await WriteRecordsAsync(factory, manifest, certificate);
        }
        finally
        {
            // A clean stop: the audit writer flushes, and the last connection of each database checkpoints its WAL.
            await factory.DisposeWithoutDeletingAsync();
        }

        SqliteConnection.ClearAllPools();
        CopyData(factory.DataPath, Path.Combine(target!, "data"));
        await File.WriteAllBytesAsync(Path.Combine(target!, DataFixtureManifest.CertificateFile), certificate, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(target!, DataFixtureManifest.FileName),
            JsonSerializer.Serialize(manifest, DataFixtureManifest.Json), TestContext.Current.CancellationToken);
        Directory.Delete(factory.DataPath, recursive: true);
    }

    private static async Task WriteRecordsAsync(PortalFactory factory, DataFixtureManifest manifest, byte[] certificate)
    {
        var (admin, _) = await factory.CreateUserAsync(PortalRoles.Admin, manifest.AdminEmail);
        manifest.AdminTotpKey = await factory.EnableTotpAsync(admin);
        var (compliance, _) = await factory.CreateUserAsync(PortalRoles.Compliance, manifest.ComplianceEmail);
        manifest.ComplianceTotpKey = await factory.EnableTotpAsync(compliance);

        // An approved merchant takes payments, a refund and a webhook endpoint.
        var (_, merchant) = await factory.CreateUserAsync(PortalRoles.Merchant, manifest.MerchantEmail);
        var key = await factory.Services.GetRequiredService<ApiKeyService>().CreateAsync(merchant, "fixture key");
        Assert.True(key.Succeeded, key.Error);
        manifest.MerchantApiKey = key.Value!.Secret;
        await DemoMerchant.ApproveAsync(factory.Services, merchant, "Fixture Shop Ltd", "654321");
        using var shop = factory.ClientWithBearer(manifest.MerchantApiKey);
        using var endpoint = await shop.PostAsJsonAsync("/api/v1/webhook_endpoints",
            new { url = "http://127.0.0.1:9/hook", enabled_events = new[] { "*" }, description = "fixture endpoint" });
        manifest.WebhookEndpointId = (await CreatedAsync(endpoint)).GetProperty("id").GetString()!;
        foreach (var (amount, order) in new[] { (2500L, "ord_fixture_one"), (1000L, "ord_fixture_two"), (740L, "ord_fixture_three") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
            {
                Content = JsonContent.Create(new { amount, currency = "usd", customer_id = "cus_fixture", payment_method = "pm_card_visa", order_id = order }),
            };
            request.Headers.Add("Idempotency-Key", "fixture-" + order);
            using var paid = await shop.SendAsync(request);
            manifest.PaymentIds.Add((await CreatedAsync(paid)).GetProperty("id").GetString()!);
        }

        using var refund = await shop.PostAsJsonAsync($"/api/v1/payments/{manifest.PaymentIds[1]}/refunds", new { amount = 400, reason = "damaged" });
        manifest.RefundId = (await CreatedAsync(refund)).GetProperty("id").GetString()!;

        // A merchant in onboarding uploads a KYC document.
        var (_, onboarding) = await factory.CreateUserAsync(PortalRoles.Merchant, manifest.OnboardingEmail);
        var onboardingKey = await factory.Services.GetRequiredService<ApiKeyService>().CreateAsync(onboarding, "fixture key");
        manifest.OnboardingApiKey = onboardingKey.Value!.Secret;
        using var applicant = factory.ClientWithBearer(manifest.OnboardingApiKey);
        using var registered = await applicant.PostAsJsonAsync("/api/v1/merchants",
            new { business_name = "Fixture Docs Ltd", cac_number = "765432", contact_email = "docs@fixture.example" });
        manifest.OnboardingMerchantId = (await CreatedAsync(registered)).GetProperty("merchant_id").GetString()!;
        using var body = new ByteArrayContent(certificate);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        using var uploaded = await applicant.PutAsync($"/api/v1/merchants/{manifest.OnboardingMerchantId}/documents/certificate_of_incorporation", body);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        manifest.DocumentLocation = uploaded.Headers.Location!.ToString();

        // Staff sign in (audit events of their own) and read the log.
        using var token = await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/token",
            new { email = manifest.ComplianceEmail, password = manifest.Password, totp_code = Totp.Code(manifest.ComplianceTotpKey) });
        var bearer = (await token.JsonAsync()).GetProperty("access_token").GetString()!;
        using var auditor = factory.ClientWithBearer(bearer);
        using var verify = await auditor.PostAsync("/api/v1/audit/verify", null);
        Assert.True((await verify.JsonAsync()).GetProperty("is_intact").GetBoolean());
    }

    private static async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Everything but the WAL side files, which a clean stop has folded into the databases.</summary>
    private static void CopyData(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            Assert.False(file.EndsWith("-wal", StringComparison.Ordinal) && new FileInfo(file).Length > 0, $"{file} was not checkpointed.");
            if (file.EndsWith("-wal", StringComparison.Ordinal) || file.EndsWith("-shm", StringComparison.Ordinal))
            {
                continue;
            }

            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }
}
