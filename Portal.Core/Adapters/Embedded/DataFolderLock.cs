using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// One portal per data folder: an exclusive lock on <c>portal.lock</c>, held open for the life of the process. Two
/// processes on one folder would each keep their own audit chain head and group-commit writer, and lose events.
/// The lock is the operating system's (FileShare.None: <c>flock</c> on Unix, a sharing lock on Windows), so it dies with
/// its process: a lock file left by a crash never blocks. Who holds it is written beside it, in
/// <c>portal.lock.holder</c>, because a locked file cannot be read by the process it turns away.
/// </summary>
internal sealed class DataFolderLock : IDisposable
{
    public const string FileName = "portal.lock";
    public const string HolderFileName = "portal.lock.holder";

    private readonly FileStream _lock;
    private readonly string _dataFolder;

    private DataFolderLock(FileStream held, string dataFolder)
    {
        _lock = held;
        _dataFolder = dataFolder;
    }

    /// <summary>
    /// Takes the folder (creating it 0700 if it does not exist yet) or throws, naming the holder, without writing
    /// anything but the empty lock file: this runs before any store or database is opened. Then <see cref="RecordHolder"/>.
    /// </summary>
    public static DataFolderLock Acquire(string dataFolder)
    {
        PrivateFiles.CreateFolder(dataFolder);
        var path = Path.Combine(dataFolder, FileName);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFiles.FileMode;
        }

        FileStream held;
        try
        {
            held = new FileStream(path, options);
        }
        catch (IOException ex) when (IsHeldByAnother(path))
        {
            throw new StartupRefusedException(
                $"The data folder {dataFolder} is in use by another portal ({ReadHolder(dataFolder)}). One portal runs per data folder: "
                + "stop that one first, or give this one another Portal:DataPath. Several instances on shared data are AWS mode's job.", ex);
        }

        return new DataFolderLock(held, dataFolder);
    }

    /// <summary>Names this process in <see cref="HolderFileName"/>, for the message of any instance turned away.</summary>
    public void RecordHolder()
    {
        using var self = Process.GetCurrentProcess();
        var holder = string.Create(CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId} on {Environment.MachineName}, started {self.StartTime.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC");
        PrivateFiles.WriteAtomically(Path.Combine(_dataFolder, HolderFileName), Encoding.UTF8.GetBytes(holder), overwrite: true);
    }

    public void Dispose() => _lock.Dispose();

    /// <summary>
    /// Whether the file is locked rather than unopenable for another reason (a read-only disk, say): even a shared,
    /// read-only open is turned away while another process holds it.
    /// </summary>
    private static bool IsHeldByAnother(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return false;
        }
        catch (IOException ex) when (ex is not (FileNotFoundException or DirectoryNotFoundException))
        {
            return true;
        }
    }

    private static string ReadHolder(string dataFolder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dataFolder, HolderFileName)).Trim();
        }
        catch (IOException)
        {
            return "its holder has not written its process id yet";
        }
    }
}
