using System.Diagnostics;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Portal.Tests.Generated.PortalApi;
using Portal.Tests.Generated.PortalApi.Models;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Contract.Api;

/// <summary>
/// A C# client generated from the document by Kiota 1.38.0 (committed in Portal.Tests/Generated/PortalApi): regenerating it
/// gives no diff, and it runs a merchant's journey against the test host (its calls also pass the conformance handler).
/// </summary>
public sealed class GeneratedClientTests
{
    [Fact]
    public async Task Regenerating_the_client_from_the_snapshot_gives_no_diff()
    {
        var root = OpenApiSnapshotTests.RepositoryRoot();
        var kiota = Environment.GetEnvironmentVariable("PORTAL_KIOTA") is { Length: > 0 } configured ? configured : Path.Combine(root, ".tools", "kiota", "kiota");
        if (!File.Exists(kiota))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"Kiota is missing at {kiota}: test.sh installs it (dotnet tool install --tool-path .tools/kiota).");
            Assert.Skip($"Kiota is not installed at {kiota}: run ./test.sh once (it installs it), or set PORTAL_KIOTA.");
        }

        var output = Path.Combine(Path.GetTempPath(), $"portal-kiota-{Guid.NewGuid():N}");
        try
        {
            var start = new ProcessStartInfo("bash") { ArgumentList = { Path.Combine(root, "Portal.Tests", "Contract", "regenerate-client.sh"), output }, RedirectStandardError = true, RedirectStandardOutput = true };
            start.Environment["PORTAL_KIOTA"] = kiota;
            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            process.ExitCode.ShouldBe(0, await stdout + await errors);

            var committed = Path.Combine(root, "Portal.Tests", "Generated", "PortalApi");
            var differences = Compare(committed, output);
            differences.ShouldBeEmpty("The committed Kiota client is not what the snapshot generates; run Portal.Tests/Contract/regenerate-client.sh and commit. "
                + string.Join(", ", differences.Take(10)));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static List<string> Compare(string committed, string generated)
    {
        static Dictionary<string, string> Files(string dir) => Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) is not ".kiota.log")
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => File.ReadAllText(f).ReplaceLineEndings("\n"));
        var a = Files(committed);
        var b = Files(generated);
        var differences = a.Keys.Except(b.Keys).Select(f => "only committed: " + f).Concat(b.Keys.Except(a.Keys).Select(f => "only generated: " + f)).ToList();
        foreach (var file in a.Keys.Intersect(b.Keys))
        {
            // The lock file records where the description was read from; the rest of it must match.
            var left = file == "kiota-lock.json" ? WithoutLocation(a[file]) : a[file];
            var right = file == "kiota-lock.json" ? WithoutLocation(b[file]) : b[file];
            if (left != right)
            {
                differences.Add("differs: " + file);
            }
        }

        return differences;
    }

    /// <summary>Runs one call of the journey, naming it and the problem's title and detail if the API refuses it.</summary>
    private static async Task<T> Step<T>(string name, Func<Task<T?>> call) where T : class
    {
        try
        {
            var result = await call();
            result.ShouldNotBeNull(name);
            return result;
        }
        catch (ProblemDetails problem)
        {
            throw new Xunit.Sdk.XunitException($"{name}: {problem.ResponseStatusCode} {problem.Title}: {problem.Detail} {string.Join("; ", problem.Errors?.AdditionalData.Select(e => $"{e.Key}={e.Value}") ?? [])}");
        }
    }

    private static string WithoutLocation(string lockFile) =>
        string.Join('\n', lockFile.Split('\n').Where(l => !l.Contains("\"descriptionLocation\"", StringComparison.Ordinal)));

    [Fact]
    public async Task A_merchant_journey_runs_on_the_generated_client()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = new PortalFactory();
        var (merchant, key) = await factory.ApprovedMerchantKeyAsync();
        using var http = factory.ClientWithBearer(key);
        var client = new PortalApiClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = "http://localhost" });

        var me = await Step("GET /me", () => client.Api.V1.Me.GetAsync(cancellationToken: ct));
        me.MerchantId.ShouldBe(new Portal.Core.MerchantId(merchant.MerchantId!.Value).ToString());
        var merchantRecord = await Step("GET /merchants/{id from /me}", () => client.Api.V1.Merchants[me.MerchantId].GetAsync(cancellationToken: ct));
        merchantRecord.MerchantId.ShouldBe(me.MerchantId, "the id /me gives opens the merchant");

        var endpoint = await Step("create webhook endpoint", () => client.Api.V1.Webhook_endpoints.PostAsync(
            new CreateEndpointBody { Url = receiver.BaseUrl + "/ok", EnabledEvents = ["*"], Description = "generated client" }, cancellationToken: ct));
        endpoint.Id.ShouldStartWith("we_");
        endpoint.Secret.ShouldNotBeNullOrEmpty();

        var payment = await Step("pay", () => client.Api.V1.Payments.PostAsync(
            new PaymentBody { Amount = 250_000, Currency = "usd", CustomerId = "cus_kiota", PaymentMethod = "pm_card_visa" },
            c => c.Headers.Add("Idempotency-Key", "kiota-" + Guid.NewGuid().ToString("N")), ct));
        payment.Id.ShouldStartWith("pay_");
        payment.MerchantId.ShouldBe(me.MerchantId);
        payment.Status.ShouldBe("succeeded");

        var list = await Step("list payments", () => client.Api.V1.Payments.GetAsync(c => c.QueryParameters.Limit = "10", ct));
        list.Data!.Select(p => p.Id).ShouldContain(payment.Id);

        var fetched = await Step("fetch payment", () => client.Api.V1.Payments[payment.Id].GetAsync(cancellationToken: ct));
        fetched.Amount.ShouldBe(250_000);

        var refund = await Step("refund", () => client.Api.V1.Payments[payment.Id].Refunds.PostAsync(new RefundBody { Amount = 100_000 },
            c => c.Headers.Add("Idempotency-Key", "kiota-refund-" + Guid.NewGuid().ToString("N")), ct));
        refund.Id.ShouldStartWith("re_");
        refund.PaymentId.ShouldBe(payment.Id);
        refund.PaymentRefundedAmount.ShouldBe(100_000);

        DeliveryListDto? deliveries = null;
        for (var i = 0; i < 100 && deliveries?.Data is not { Count: >= 2 }; i++)
        {
            await Task.Delay(i == 0 ? 0 : 100, ct);
            deliveries = await Step("list deliveries", () => client.Api.V1.Webhook_deliveries.GetAsync(c => c.QueryParameters.EndpointId = endpoint.Id, ct));
        }

        deliveries!.Data!.Count.ShouldBeGreaterThanOrEqualTo(2, "a delivery for the payment and one for the refund");
        deliveries.Data.ShouldAllBe(d => d.EndpointId == endpoint.Id);
        var delivery = await Step("fetch delivery", () => client.Api.V1.Webhook_deliveries[deliveries.Data[0].Id!].GetAsync(cancellationToken: ct));
        delivery.EventId.ShouldStartWith("evt_");
    }
}
