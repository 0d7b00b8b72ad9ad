using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Kyc;
using Portal.Core.Notifications;
using Portal.Core.Payments;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Security;

/// <summary>The data folder and everything in it is private to the portal's user (Unix modes; Windows has none).</summary>
public sealed class DataFolderPermissionsTests
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [UnsupportedOSPlatform("windows")]
    private static List<string> SharedEntries(string root) =>
        new[] { root }.Concat(Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
            .Where(path => (File.GetUnixFileMode(path) & GroupOrOthers) != 0)
            .Select(path => $"{Path.GetRelativePath(root, path)} ({File.GetUnixFileMode(path)})")
            .ToList();

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task No_file_or_folder_in_the_data_folder_is_open_to_group_or_others()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only");
        await using var factory = new PortalFactory();
        // Touch every kind of file the portal writes: identity, data-protection keys, audit (and its head), payments,
        // an outbox email and a KYC document.
        await factory.StaffTokenAsync(PortalRoles.Admin);
        _ = factory.Services.GetRequiredService<IPaymentStore>();
        await factory.Services.GetRequiredService<IEmailOutbox>().SendAsync("someone@example.com", "Hello", "Body", null);
        await factory.Services.GetRequiredService<IDocumentStore>().PutAsync("merchant/1/cac", new MemoryStream([1, 2, 3]), "application/pdf", CancellationToken.None);

        // (-wal and -shm files come and go: another test clearing SQLite's pools folds them in. Whichever exist are checked below.)
        string[] expected = ["identity.db", "audit.db", "audit.head.json", "payments.db", "portal.db", Path.Combine("keys", "master.key"), "dataprotection", "outbox", "documents"];
        foreach (var name in expected)
        {
            Path.Exists(Path.Combine(factory.DataPath, name)).ShouldBeTrue(name);
        }

        Directory.EnumerateFiles(Path.Combine(factory.DataPath, "dataprotection")).ShouldNotBeEmpty();
        SharedEntries(factory.DataPath).ShouldBeEmpty();
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task An_existing_data_folder_open_to_others_is_closed_at_start_up()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only");
        await using var factory = new PortalFactory();
        Directory.CreateDirectory(factory.DataPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(factory.DataPath, File.GetUnixFileMode(factory.DataPath) | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var client = factory.CreateClient();

        (File.GetUnixFileMode(factory.DataPath) & GroupOrOthers).ShouldBe(UnixFileMode.None);
    }

    [Fact]
    public async Task The_master_key_is_created_at_the_configured_key_path_apart_from_the_data()
    {
        var keyFolder = Path.Combine(Path.GetTempPath(), "portal-keys", Guid.NewGuid().ToString("N"));
        var keyPath = Path.Combine(keyFolder, "master.key");
        try
        {
            await using var factory = new PortalFactory().WithSetting("Portal:KeyPath", keyPath);
            await factory.StaffTokenAsync(PortalRoles.Admin);

            File.Exists(keyPath).ShouldBeTrue();
            Directory.Exists(Path.Combine(factory.DataPath, "keys")).ShouldBeFalse();
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(keyPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
                (File.GetUnixFileMode(keyFolder) & GroupOrOthers).ShouldBe(UnixFileMode.None);
            }
        }
        finally
        {
            Directory.Delete(keyFolder, recursive: true);
        }
    }

    [Fact]
    public async Task A_key_path_inside_the_data_folder_stops_start_up()
    {
        await using var factory = new PortalFactory();
        factory.WithSetting("Portal:KeyPath", Path.Combine(factory.DataPath, "secrets", "master.key"));

        var error = Should.Throw<Microsoft.Extensions.Options.OptionsValidationException>(() => factory.CreateClient());

        error.Message.ShouldContain("Portal:KeyPath");
        error.Message.ShouldContain("outside Portal:DataPath");
    }
}
