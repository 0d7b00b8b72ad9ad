using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core;
using Portal.Core.Audit;

namespace Portal.Tests.E2E;

/// <summary>Issue 18's journey: one admin's KYC decisions of the last week, exported, downloaded, and checked offline.</summary>
public sealed class ComplianceExportJourneyTests(BrowserFixture browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Compliance_exports_one_admins_kyc_decisions_of_last_week_and_the_manifest_verifies_offline()
    {
        await using var session = await PortalSession.StartAsync(browser);
        // The decisions as the KYC review records them: two approvals by Ada, one by another admin, and Ada's other work.
        var audit = session.Factory.Services.GetRequiredService<AuditService>();
        var ada = new Actor("u-ada", "ada.admin@test.local", "Admin", null, "10.1.1.1");
        var other = new Actor("u-bo", "bo.admin@test.local", "Admin", null, "10.1.1.2");
        await audit.AppendAsync(ada, new AuditEntry(AuditActions.MerchantApproved, AuditOutcome.Success, "mer_0001"), Ct);
        await audit.AppendAsync(other, new AuditEntry(AuditActions.MerchantApproved, AuditOutcome.Success, "mer_0002"), Ct);
        await audit.AppendAsync(ada, new AuditEntry(AuditActions.MerchantViewed, AuditOutcome.Success, "mer_0003"), Ct);
        await audit.AppendAsync(ada, new AuditEntry(AuditActions.MerchantApproved, AuditOutcome.Success, "mer_0004"), Ct);

        await session.SignInAsync("compliance@demo.local", PortalSession.DemoPassword);
        await session.EnrolTotpAsync();
        // A deep link selects the admin and the decision; "Last 7 days" adds the time range.
        await session.Page.GotoAsync($"/compliance/audit?actor={Uri.EscapeDataString(ada.Name!)}&action={AuditActions.MerchantApproved}");
        await session.WaitForInteractiveAsync();
        await session.Page.ClickAsync("[data-testid=filter-last-week]");
        await session.Page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("from="));
        var grid = session.Page.Locator("[data-testid=audit-grid]");
        await grid.GetByText("mer_0004").WaitForAsync();
        (await session.Page.Locator("[data-testid=audit-count]").InnerTextAsync()).ShouldBe("2 matching events");
        (await grid.GetByText("mer_0002").CountAsync()).ShouldBe(0);
        (await grid.GetByText("mer_0003").CountAsync()).ShouldBe(0);

        await session.Page.ClickAsync("[data-testid=export-start]");
        var link = session.Page.Locator("[data-testid=export-download]");
        await link.WaitForAsync();
        var download = await session.Page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var zip = Path.Combine(Path.GetTempPath(), $"audit-journey-{Guid.NewGuid():N}.zip");
        await download.SaveAsAsync(zip);
        try
        {
            using (var archive = ZipFile.OpenRead(zip))
            {
                await using var manifest = archive.GetEntry("manifest.json")!.Open();
                using var json = await JsonDocument.ParseAsync(manifest, cancellationToken: Ct);
                json.RootElement.GetProperty("rows").GetInt64().ShouldBe(2);
            }

            var (exitCode, output) = await RunVerifierAsync(zip);
            exitCode.ShouldBe(0, output);

            // The offline check fails on an edited copy: the journey's "verifies" means something.
            var edited = zip + ".edited.zip";
            File.Copy(zip, edited);
            using (var archive = ZipFile.Open(edited, ZipArchiveMode.Update))
            {
                var entry = archive.Entries.Single(e => e.Name != "manifest.json");
                string text;
                using (var reader = new StreamReader(entry.Open()))
                {
                    text = await reader.ReadToEndAsync(Ct);
                }

                entry.Delete();
                await using var writer = new StreamWriter(archive.CreateEntry(entry.FullName).Open());
                await writer.WriteAsync(text.Replace("mer_0004", "mer_0005", StringComparison.Ordinal));
            }

            (await RunVerifierAsync(edited)).ExitCode.ShouldBe(1);
            File.Delete(edited);
        }
        finally
        {
            File.Delete(zip);
        }

        await session.ScreenshotAsync("audit-export-journey");
        session.ConsoleErrors.ShouldBeEmpty();
    }

    private static async Task<(int ExitCode, string Output)> RunVerifierAsync(string zip)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "tools", "AuditExportVerify", "bin", "Release", "net10.0", "AuditExportVerify.dll");
        File.Exists(dll).ShouldBeTrue($"build the solution first: {dll}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(zip);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct) + await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, output);
    }
}
