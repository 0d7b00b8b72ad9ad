using System.Security.Cryptography;
using System.Text;
using Portal.Core.Security;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Keys fail closed: the key ring is opened only when it is the one the data was sealed with. Beside the data,
/// <c>key.check</c> holds an HMAC of a constant under a key derived from the master key, written when the key is
/// created (or, for a folder from a release before this check, on its first start with its key). A missing key ring
/// over existing data, or a different one, stops start-up before anything is written: a new key would make every
/// sealed value unreadable and the audit chain report tampering that never happened.
/// </summary>
internal static class KeyCustody
{
    public const string CheckFileName = "key.check";

    public const string RestoreCommand = "dotnet run --project Portal -- restore <backup>";

    private static readonly byte[] CheckedConstant = Encoding.UTF8.GetBytes("merchant-portal key check v1");

    /// <summary>
    /// Refuses a folder whose data would not open with the key ring on disk. It only reads, so a refused start changes
    /// nothing: run it before anything else touches the folder.
    /// </summary>
    public static void ThrowIfKeyRingLost(EmbeddedDataFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var checkPath = folder.File(CheckFileName);
        if (LocalKeyRing.OpenExisting(folder.KeyPath) is not { } keyRing)
        {
            if (File.Exists(checkPath) || HoldsData(folder))
            {
                throw Refused(folder, $"its key ring {folder.KeyPath} is missing");
            }
        }
        else if (File.Exists(checkPath) && !Matches(checkPath, keyRing))
        {
            throw Refused(folder, $"its key ring {folder.KeyPath} is not the one its data was sealed with");
        }
    }

    /// <summary>The key ring of <paramref name="folder"/>; created only for a folder that holds no data yet.</summary>
    public static LocalKeyRing OpenKeyRing(EmbeddedDataFolder folder)
    {
        ThrowIfKeyRingLost(folder);
        var keyRing = new LocalKeyRing(folder.KeyPath);
        var checkPath = folder.File(CheckFileName);
        if (!File.Exists(checkPath))
        {
            // A new folder, or one written before this check (its key is taken as the right one from now on).
            PrivateFiles.WriteAtomically(checkPath, Encoding.ASCII.GetBytes(CheckValue(keyRing)), overwrite: false);
        }

        return keyRing;
    }

    /// <summary>Why the key ring on disk no longer opens this folder's data, or null when it does (the readiness probe).</summary>
    public static string? Problem(EmbeddedDataFolder folder, IKeyRing running)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var checkPath = folder.File(CheckFileName);
        if (LocalKeyRing.OpenExisting(folder.KeyPath) is not { } onDisk)
        {
            return $"key ring {folder.KeyPath} is missing: restore it ({RestoreCommand}) before the next start";
        }

        return File.Exists(checkPath) && Matches(checkPath, onDisk) && Matches(checkPath, running)
            ? null
            : $"key ring {folder.KeyPath} is not the one the data in {folder.Root} was sealed with: restore it ({RestoreCommand})";
    }

    private static bool Matches(string checkPath, IKeyRing keyRing) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(File.ReadAllText(checkPath).Trim()), Encoding.ASCII.GetBytes(CheckValue(keyRing)));

    private static string CheckValue(IKeyRing keyRing) =>
        Convert.ToBase64String(HMACSHA256.HashData(keyRing.DeriveKey("key-check"), CheckedConstant));

    /// <summary>Any file but the lock's: a database, a document, a data-protection key. Conservative on purpose.</summary>
    private static bool HoldsData(EmbeddedDataFolder folder) =>
        Directory.EnumerateFiles(folder.Root, "*", SearchOption.AllDirectories)
            .Any(file => Path.GetFileName(file) is not (DataFolderLock.FileName or DataFolderLock.HolderFileName));

    private static StartupRefusedException Refused(EmbeddedDataFolder folder, string why) =>
        new($"The portal will not start on the data folder {folder.Root}: {why}. Starting would seal new data with a new key "
            + $"and leave the existing data unreadable, so nothing was changed. Put the original key back at {folder.KeyPath} "
            + $"(or Portal:KeyPath), or restore the folder with its key ring: {RestoreCommand}");
}
