using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Portal.Auth;
using Portal.Components;
using Portal.Components.Compliance;
using Portal.Core;
using Portal.Core.Audit;
using Portal.Core.Audit.Export;
using Portal.Core.Configuration;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Compliance;

/// <summary>The audit explorer (<see cref="AuditLog"/>) over a real chained log: deep-linked filters, keyset pages, chain verification.</summary>
public sealed class AuditLogPageTests : BunitContext
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly Actor Ada = new("u-ada", "ada@portal.example", "Admin", null, "10.0.0.1");
    private readonly EmbeddedTestBed _bed = new("audit-page");
    private readonly AuditExportSigner _signer;

    public AuditLogPageTests()
    {
        _signer = new AuditExportSigner(_bed.Keys);
        Services.AddMudServices();
        Services.AddSingleton(_bed.Audit);
        Services.AddSingleton<TimeProvider>(_bed.Clock);
        Services.AddSingleton(new AuditIntegrityMonitor(NullLogger<AuditIntegrityMonitor>.Instance));
        Services.AddSingleton(new AuditExportFiles(
            new EmbeddedDataFolder(Options.Create(new PortalOptions { DataPath = _bed.PathOf("data") }), new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = _bed.Folder }),
            new AuditExporter(_bed.Audit, _signer, _bed.Clock), _bed.Clock));
        Services.AddScoped<CircuitClient>();
        JSInterop.Mode = JSRuntimeMode.Loose;
        var auth = AddAuthorization();
        auth.SetAuthorized("carla@portal.example");
        auth.SetRoles(PortalRoles.Compliance);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "u-carla"));
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        _signer.Dispose();
        await _bed.DisposeAsync();
    }

    private IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderPage(string url = "/compliance/audit")
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(url);
        return Render(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<AuditLog>(1);
            b.CloseComponent();
        });
    }

    private async Task SeedAsync()
    {
        await _bed.Audit.AppendAsync(Ada, new AuditEntry(AuditActions.MerchantApproved, AuditOutcome.Success, "mer_1"));
        await _bed.Audit.AppendAsync(Ada, new AuditEntry(AuditActions.KycDocumentRejected, AuditOutcome.Success, "mer_1/Passport"));
        await _bed.Audit.AppendAsync(Ada with { Name = "bo@portal.example", UserId = "u-bo" }, new AuditEntry(AuditActions.MerchantApproved, AuditOutcome.Success, "mer_2"));
    }

    [Fact]
    public async Task Shows_events_newest_first_with_the_count_and_records_the_read()
    {
        await SeedAsync();

        var page = RenderPage();

        page.WaitForAssertion(() => page.Find("[data-testid=audit-count]").TextContent.ShouldContain("matching events"), Wait);
        var rows = page.FindAll("[data-testid=audit-grid] tbody tr").Select(r => r.TextContent).ToList();
        rows.Count.ShouldBe(3);
        rows[0].ShouldContain("bo@portal.example");
        rows[2].ShouldContain(AuditActions.MerchantApproved);
        IReadOnlyList<AuditEvent> reads = [];
        for (var deadline = DateTime.UtcNow + Wait; reads.Count == 0 && DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            reads = (await _bed.Audit.QueryAsync(new AuditQuery(Action: AuditActions.AuditRead))).Events;
        }

        reads.ShouldHaveSingleItem().ActorName.ShouldBe("carla@portal.example");
    }

    [Fact]
    public async Task A_deep_link_applies_its_filters_on_the_server()
    {
        await SeedAsync();

        var page = RenderPage($"/compliance/audit?actor=ada%40portal.example&action={AuditActions.MerchantApproved}");

        page.WaitForAssertion(() => page.Find("[data-testid=audit-count]").TextContent.ShouldBe("1 matching events"), Wait);
        var row = page.FindAll("[data-testid=audit-grid] tbody tr").ShouldHaveSingleItem().TextContent;
        row.ShouldContain("mer_1");
        row.ShouldContain("ada@portal.example");
    }

    [Fact]
    public void A_malformed_filter_is_reported_not_thrown()
    {
        var page = RenderPage("/compliance/audit?from=not-a-date");

        page.WaitForAssertion(() => page.Find("[data-testid=filter-errors]").TextContent.ShouldNotBeNullOrWhiteSpace(), Wait);
    }

    [Fact]
    public async Task Pages_go_older_and_back_newer()
    {
        for (var i = 0; i < 30; i++)
        {
            await _bed.Audit.AppendAsync(Ada, new AuditEntry(AuditActions.MerchantViewed, AuditOutcome.Success, $"mer_{i}"));
        }

        var page = RenderPage($"/compliance/audit?action={AuditActions.MerchantViewed}");
        // 25 a page: events 30..6 (targets mer_29..mer_5), then 5..1.
        page.WaitForAssertion(() => page.FindAll("[data-testid=audit-grid] tbody tr").Count.ShouldBe(25), Wait);
        page.FindAll("[data-testid=audit-grid] tbody tr")[0].TextContent.ShouldContain("mer_29");

        // The buttons are disabled while a page loads (a click then does nothing): wait for them as a user would.
        page.WaitForAssertion(() => page.Find("[data-testid=page-older]").HasAttribute("disabled").ShouldBeFalse(), Wait);
        page.Find("[data-testid=page-older]").Click();
        page.WaitForAssertion(() => page.FindAll("[data-testid=audit-grid] tbody tr").Count.ShouldBe(5), Wait);
        page.FindAll("[data-testid=audit-grid] tbody tr")[^1].TextContent.ShouldContain("mer_0");

        page.WaitForAssertion(() => page.Find("[data-testid=page-newer]").HasAttribute("disabled").ShouldBeFalse(), Wait);
        page.Find("[data-testid=page-newer]").Click();
        page.WaitForAssertion(() => page.FindAll("[data-testid=audit-grid] tbody tr")[0].TextContent.ShouldContain("mer_29"), Wait);
    }

    [Fact]
    public async Task Verify_shows_an_intact_chain_then_names_the_edited_event()
    {
        await SeedAsync();
        var page = RenderPage();
        page.WaitForAssertion(() => page.Find("[data-testid=audit-count]").TextContent.ShouldContain("matching events"), Wait);

        page.Find("[data-testid=verify-chain]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=verify-result]").TextContent.ShouldContain("Chain intact"), Wait);

        using (var connection = new SqliteConnection($"Data Source={_bed.PathOf("audit.db")}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit_events SET target = 'mer_9' WHERE sequence = 2";
            command.ExecuteNonQuery().ShouldBe(1);
        }

        page.Find("[data-testid=verify-chain]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=verify-result]").TextContent.ShouldContain("Chain broken at event 2"), Wait);
        Services.GetRequiredService<AuditIntegrityMonitor>().Alert.ShouldNotBeNull().FirstBrokenSequence.ShouldBe(2);
    }
}
