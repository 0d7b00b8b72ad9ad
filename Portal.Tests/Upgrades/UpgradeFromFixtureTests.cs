using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Upgrades;

/// <summary>
/// The current code started on a copy of a data folder written by an earlier release (Fixtures/data-vN): nothing is
/// lost, and new data can be written. Add a case here with each new fixture.
/// </summary>
public sealed class UpgradeFromFixtureTests
{
    public static TheoryData<string> Fixtures => ["data-v1"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task An_old_data_folder_keeps_every_record_and_takes_new_payments(string fixture)
    {
        var source = DataFixtures.Folder(fixture);
        var manifest = DataFixtureManifest.Read(source);
        await using var factory = new PortalFactory();
        DataFixtures.CopyData(fixture, factory.DataPath);

        using var shop = factory.ClientWithBearer(manifest.MerchantApiKey);
        foreach (var paymentId in manifest.PaymentIds)
        {
            using var payment = await shop.GetAsync($"/api/v1/payments/{paymentId}");
            payment.StatusCode.ShouldBe(HttpStatusCode.OK, await payment.Content.ReadAsStringAsync());
        }

        var refunded = await (await shop.GetAsync($"/api/v1/payments/{manifest.PaymentIds[1]}")).JsonAsync();
        refunded.GetProperty("status").GetString().ShouldBe("partially_refunded");
        refunded.GetProperty("refunded_amount").GetInt64().ShouldBe(400);
        var refunds = await factory.Services.GetRequiredService<IPaymentStore>().RefundsAsync(
            Guid.ParseExact(manifest.PaymentIds[1]["pay_".Length..], "N"), TestContext.Current.CancellationToken);
        ("re_" + refunds.ShouldHaveSingleItem().Id.ToString("N")).ShouldBe(manifest.RefundId);

        var endpoint = await (await shop.GetAsync($"/api/v1/webhook_endpoints/{manifest.WebhookEndpointId}")).JsonAsync();
        endpoint.GetProperty("url").GetString().ShouldBe("http://127.0.0.1:9/hook");

        using var applicant = factory.ClientWithBearer(manifest.OnboardingApiKey);
        using var document = await applicant.GetAsync(manifest.DocumentLocation);
        document.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await document.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken))
            .ShouldBe(await File.ReadAllBytesAsync(Path.Combine(source, DataFixtureManifest.CertificateFile), TestContext.Current.CancellationToken));

        // The staff password and second factor still sign in, and the chain written by the old release verifies.
        using var token = await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/token",
            new { email = manifest.ComplianceEmail, password = manifest.Password, totp_code = Totp.Code(manifest.ComplianceTotpKey) });
        token.StatusCode.ShouldBe(HttpStatusCode.OK, await token.Content.ReadAsStringAsync());
        using var auditor = factory.ClientWithBearer((await token.JsonAsync()).GetProperty("access_token").GetString()!);
        var events = await (await auditor.GetAsync("/api/v1/audit/events?limit=100")).JsonAsync();
        events.GetProperty("data").EnumerateArray().ShouldContain(e => e.GetProperty("sequence").GetInt64() == 1);
        (await (await auditor.PostAsync("/api/v1/audit/verify", null)).JsonAsync()).GetProperty("is_intact").GetBoolean().ShouldBeTrue();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = JsonContent.Create(new { amount = 1200, currency = "usd", customer_id = "cus_fixture", payment_method = SandboxProcessor.Success, order_id = "ord_after_upgrade" }),
        };
        request.Headers.Add("Idempotency-Key", "after-upgrade");
        using var paid = await shop.SendAsync(request);
        paid.StatusCode.ShouldBe(HttpStatusCode.Created, await paid.Content.ReadAsStringAsync());
        var id = (await paid.JsonAsync()).GetProperty("id").GetString();
        (await (await shop.GetAsync($"/api/v1/payments/{id}")).JsonAsync()).GetProperty("amount").GetInt64().ShouldBe(1200);
        (await (await auditor.PostAsync("/api/v1/audit/verify", null)).JsonAsync()).GetProperty("is_intact").GetBoolean().ShouldBeTrue();
    }
}

/// <summary>The committed data folders under Fixtures/, copied where a portal may use them.</summary>
internal static class DataFixtures
{
    public static string Folder(string fixture) => Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture);

    /// <summary>
    /// Copies the fixture's data folder to <paramref name="target"/> with the modes the portal insists on (git keeps
    /// none): folders 0700, files 0600.
    /// </summary>
    public static void CopyData(string fixture, string target)
    {
        var source = Path.Combine(Folder(fixture), "data");
        foreach (var folder in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories).Prepend(source))
        {
            var copy = Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, folder)));
            if (!OperatingSystem.IsWindows())
            {
                copy.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            }
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            File.Copy(file, copy);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }
}
