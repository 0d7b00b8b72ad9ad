using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Audit;
using Portal.Core.Kyc;
using Portal.Tests.Infrastructure;
using Portal.Tests.Reliability;

namespace Portal.Tests.Api.Security;

/// <summary>Keys fail closed: a data folder starts only with the key ring its data was sealed with, and a new one is made only for a new folder.</summary>
[Collection(DataFolderSnapshots.Name)]
public sealed class KeyCustodyTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-custody", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string KeyPath => Path.Combine(_folder, "keys", "master.key");

    private string CheckPath => Path.Combine(_folder, KeyCustody.CheckFileName);

    private PortalFactory Portal() => new PortalFactory().WithSetting("Portal:DataPath", _folder);

    /// <summary>A folder with sealed data in it: an account with its second factor, audit events and a KYC document.</summary>
    private async Task<byte[]> WriteDataAndStopAsync()
    {
        await using var portal = Portal();
        await portal.StaffTokenAsync(PortalRoles.Admin);
        var document = RandomNumberGenerator.GetBytes(2048);
        await portal.Services.GetRequiredService<IDocumentStore>().PutAsync("merchant/1/cac", new MemoryStream(document), "application/pdf", Ct);
        return document;
    }

    [Fact]
    public async Task The_portal_process_refused_for_a_missing_key_ring_prints_why_and_exits_1_without_a_crash()
    {
        await WriteDataAndStopAsync();
        File.Delete(KeyPath);
        var before = DataFolderSnapshot.Take(_folder);

        var (exitCode, output) = await SingleInstanceTests.RunSecondPortalAsync(_folder);

        exitCode.ShouldBe(1, output); // not 134 (SIGABRT after an unhandled exception)
        output.ShouldContain($"The portal will not start on the data folder {_folder}");
        output.ShouldContain(KeyCustody.RestoreCommand);
        output.ShouldNotContain("Unhandled exception");
        output.ShouldNotContain("   at ");
        DataFolderSnapshot.Take(_folder).ShouldBe(before);
    }

    [Fact]
    public async Task Start_up_with_the_key_ring_removed_is_refused_naming_the_folder_and_the_restore_command_and_changes_nothing()
    {
        await WriteDataAndStopAsync();
        File.Delete(KeyPath);
        var before = DataFolderSnapshot.Take(_folder);

        await using var portal = Portal();
        var refused = Should.Throw<InvalidOperationException>(() => portal.CreateClient());

        refused.Message.ShouldContain($"The portal will not start on the data folder {_folder}: its key ring {KeyPath} is missing");
        refused.Message.ShouldContain("dotnet run --project Portal -- restore <backup>");
        DataFolderSnapshot.Take(_folder).ShouldBe(before);
        File.Exists(KeyPath).ShouldBeFalse();
    }

    [Fact]
    public async Task Start_up_with_a_different_key_ring_is_refused_and_changes_nothing()
    {
        await WriteDataAndStopAsync();
        File.WriteAllText(KeyPath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))); // same mode, another key
        var before = DataFolderSnapshot.Take(_folder);

        await using var portal = Portal();
        var refused = Should.Throw<InvalidOperationException>(() => portal.CreateClient());

        refused.Message.ShouldContain($"{_folder}: its key ring {KeyPath} is not the one its data was sealed with");
        refused.Message.ShouldContain("dotnet run --project Portal -- restore <backup>");
        DataFolderSnapshot.Take(_folder).ShouldBe(before);
    }

    [Fact]
    public async Task A_folder_from_before_the_key_check_without_its_key_ring_is_refused_too()
    {
        await WriteDataAndStopAsync();
        File.Delete(KeyPath);
        File.Delete(CheckPath); // as written by the release before the check: only the data tells that a key existed
        var before = DataFolderSnapshot.Take(_folder);

        await using var portal = Portal();
        Should.Throw<InvalidOperationException>(() => portal.CreateClient()).Message.ShouldContain("is missing");

        DataFolderSnapshot.Take(_folder).ShouldBe(before);
    }

    [Fact]
    public async Task A_new_folder_gets_its_key_and_a_restart_with_that_key_reads_its_data()
    {
        var document = await WriteDataAndStopAsync();
        File.Exists(KeyPath).ShouldBeTrue();
        File.Exists(CheckPath).ShouldBeTrue();

        await using var restarted = Portal();
        await using var read = (await restarted.Services.GetRequiredService<IDocumentStore>().ListVersionsAsync("merchant/1/cac", Ct)) is [var version]
            ? await restarted.Services.GetRequiredService<IDocumentStore>().OpenReadAsync("merchant/1/cac", version.VersionId, Ct)
            : null;
        using var copy = new MemoryStream();
        await read.ShouldNotBeNull().CopyToAsync(copy, Ct);
        copy.ToArray().ShouldBe(document);
        (await restarted.Services.GetRequiredService<IAuditLog>().VerifyAsync(Ct)).IsIntact.ShouldBeTrue();
    }

    [Fact]
    public async Task A_folder_from_before_the_key_check_is_adopted_with_its_key()
    {
        await WriteDataAndStopAsync();
        var check = File.ReadAllText(CheckPath);
        File.Delete(CheckPath);

        await using var restarted = Portal();
        await restarted.StaffTokenAsync(PortalRoles.Admin);

        File.ReadAllText(CheckPath).ShouldBe(check);
    }

    [Fact]
    public async Task Readiness_fails_naming_the_key_ring_when_it_goes_missing_under_a_running_portal()
    {
        await using var portal = Portal();
        var token = await portal.StaffTokenAsync(PortalRoles.Admin);
        File.Delete(KeyPath);

        using var client = portal.ClientWithBearer(token);
        var ready = await client.GetAsync("/health/ready", Ct);

        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var body = await ready.Content.ReadAsStringAsync(Ct);
        body.ShouldContain($"key ring {KeyPath} is missing");
        body.ShouldContain("restore");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
