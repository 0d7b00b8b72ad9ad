using System.Text;
using Portal.Core;
using Portal.Core.Configuration;

namespace Portal.Operations;

/// <summary>
/// <c>dotnet run --project Portal -- backup &lt;folder&gt;</c> and <c>-- restore &lt;folder&gt;</c>: run instead of the
/// web host, on the data folder and key path of the same configuration. The passphrase comes from
/// <see cref="PassphraseVariable"/> or a prompt, never from the command line, which any local user can read in ps.
/// </summary>
internal static class BackupCommands
{
    public const string PassphraseVariable = "PORTAL_BACKUP_PASSPHRASE";

    public static bool IsCommand(string[] args) => args is ["backup" or "restore", ..];

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, IHostEnvironment environment)
    {
        if (args is not [var verb, var folder, ..] || folder.StartsWith('-'))
        {
            await Console.Error.WriteLineAsync("Usage: Portal backup <new-or-empty-folder> | Portal restore <backup-folder> (passphrase in " + PassphraseVariable + " or at the prompt)");
            return 2;
        }

        // The host read the folder argument as a switch when it starts with '/' (and took the next argument as its
        // value), so the settings after the folder are read again here, above everything else, as on a normal start.
        configuration = new ConfigurationBuilder().AddConfiguration(configuration).AddCommandLine(args[2..]).Build();
        var options = configuration.GetSection(PortalOptions.Section).Get<PortalOptions>() ?? new PortalOptions();
        if (options.Mode != PortalMode.Embedded)
        {
            await Console.Error.WriteLineAsync("Backup and restore are for the embedded mode; in AWS mode use DynamoDB point-in-time recovery, S3 versioning and KMS key deletion protection.");
            return 2;
        }

        var dataRoot = EmbeddedDataFolder.ResolveRoot(options, environment.ContentRootPath);
        var keyPath = EmbeddedDataFolder.ResolveKeyPath(options, environment.ContentRootPath);
        var passphrase = ReadPassphrase(confirm: verb == "backup");
        if (passphrase is null)
        {
            await Console.Error.WriteLineAsync($"No passphrase: set {PassphraseVariable} or run the command in a terminal to be asked for one.");
            return 2;
        }

        try
        {
            if (verb == "backup")
            {
                await PortalBackup.CreateAsync(dataRoot, keyPath, Path.GetFullPath(folder), passphrase, Console.Out, CancellationToken.None);
                return 0;
            }

            var report = await PortalBackup.RestoreAsync(Path.GetFullPath(folder), dataRoot, keyPath, passphrase, Console.Out, CancellationToken.None);
            return report.IsSound ? 0 : 1;
        }
        catch (BackupRefusedException ex)
        {
            await Console.Error.WriteLineAsync($"{verb} refused: {ex.Message}");
            return 1;
        }
    }

    private static string? ReadPassphrase(bool confirm)
    {
        if (Environment.GetEnvironmentVariable(PassphraseVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        if (Console.IsInputRedirected)
        {
            return null;
        }

        var passphrase = Prompt("Backup passphrase: ");
        if (confirm && Prompt("Repeat the passphrase: ") != passphrase)
        {
            Console.Error.WriteLine("The two passphrases differ.");
            return null;
        }

        return passphrase;
    }

    private static string Prompt(string label)
    {
        Console.Write(label);
        var text = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                text.Length = Math.Max(0, text.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }

        Console.WriteLine();
        return text.ToString();
    }
}
