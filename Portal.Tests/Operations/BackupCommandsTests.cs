using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Portal.Operations;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Operations;

/// <summary>The commands as an operator types them, read through the host's configuration as Program.cs does.</summary>
public sealed class BackupCommandsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Backup_and_restore_commands_use_the_settings_given_after_an_absolute_folder()
    {
        var root = Path.Combine(Path.GetTempPath(), "portal-backup-tests", "cli-" + Guid.NewGuid().ToString("N"));
        var backup = Path.Combine(root, "backup");
        var restored = Path.Combine(root, "restored");
        Environment.SetEnvironmentVariable(BackupCommands.PassphraseVariable, "a passphrase for the command test");
        try
        {
            await using (var portal = new PortalFactory())
            {
                await portal.StaffTokenAsync("Admin");

                (await RunAsync("backup", backup, $"--Portal:DataPath={portal.DataPath}")).ShouldBe(0);
            }

            File.Exists(Path.Combine(backup, "manifest.hmac")).ShouldBeTrue();
            (await RunAsync("restore", backup, $"--Portal:DataPath={restored}")).ShouldBe(0);
            File.Exists(Path.Combine(restored, "keys", "master.key")).ShouldBeTrue();
            File.Exists(Path.Combine(restored, "audit.db")).ShouldBeTrue();
        }
        finally
        {
            Environment.SetEnvironmentVariable(BackupCommands.PassphraseVariable, null);
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_command_without_a_folder_prints_its_usage_and_fails()
    {
        (await RunAsync("backup")).ShouldBe(2);
        (await RunAsync("restore", "--Portal:DataPath=/tmp/x")).ShouldBe(2);
    }

    // As the host does: the whole command line is a configuration source, so an absolute folder reads as a switch.
    private static Task<int> RunAsync(params string[] args)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();
        var environment = new TestEnvironment { ContentRootPath = Path.GetTempPath() };
        Ct.ThrowIfCancellationRequested();
        return BackupCommands.RunAsync(args, configuration, environment);
    }

    private sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";

        public string ApplicationName { get; set; } = "Portal";

        public string ContentRootPath { get; set; } = "";

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
