namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// Files and folders of the embedded store that only the portal's own user can open (0600 files, 0700 folders on
/// Unix), from the moment they exist: the mode is given when the file is created, never set afterwards, so there is no
/// instant in which another local user could open it. Windows has no such modes and keeps its inherited ACLs.
/// </summary>
internal static class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates the folder (and any missing parents) with mode 0700; an existing folder is left as it is.</summary>
    public static string CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, FolderMode);
        }

        return path;
    }

    /// <summary>
    /// Creates the folder 0700, or takes group and world access away from an existing one (a data folder made by an
    /// earlier version or by hand): whoever cannot enter the root cannot open anything below it.
    /// </summary>
    public static string CreateOrRestrictFolder(string path)
    {
        CreateFolder(path);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOthers) != 0)
        {
            try
            {
                File.SetUnixFileMode(path, FolderMode);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new InvalidOperationException(
                    $"The folder {path} is open to group or others and the portal's user cannot close it: give it to that user with mode 700.", ex);
            }
        }

        return path;
    }

    /// <summary>True when group or others may read, write or enter the file or folder (always false on Windows).</summary>
    public static bool IsSharedWithOthers(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOthers) != 0;

    /// <summary>A new file with mode 0600; fails if the file exists.</summary>
    public static FileStream CreateNew(string path, bool useAsync = false)
    {
        var options = new FileStreamOptions
        {
            Mode = System.IO.FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 16 * 1024,
            Options = useAsync ? FileOptions.Asynchronous : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return new FileStream(path, options);
    }

    /// <summary>
    /// An empty 0600 file if none exists yet. SQLite creates a database's -wal, -shm and journal files with the mode of
    /// the database file, so creating the database file first makes all of them private.
    /// </summary>
    public static void EnsureExists(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        try
        {
            CreateNew(path).Dispose();
        }
        catch (IOException) when (File.Exists(path))
        {
            // another instance created it first: same result
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a private temporary file, flushes it to disk, then renames it into place,
    /// so a reader sees the old content or the whole new content, never a torn write, even after a power loss.
    /// Without <paramref name="overwrite"/>, an existing file wins and an <see cref="IOException"/> is thrown.
    /// </summary>
    public static async Task WriteAtomicallyAsync(string path, ReadOnlyMemory<byte> content, bool overwrite, CancellationToken cancellationToken = default)
    {
        var temp = TempNameFor(path);
        try
        {
            await using (var file = CreateNew(temp, useAsync: true))
            {
                await file.WriteAsync(content, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite);
        }
        finally
        {
            File.Delete(temp); // nothing when the move succeeded
        }
    }

    /// <inheritdoc cref="WriteAtomicallyAsync"/>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, bool overwrite)
    {
        var temp = TempNameFor(path);
        try
        {
            using (var file = CreateNew(temp))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    // One temporary name per write: two writers (two instances, or two threads) never share a half-written file.
    private static string TempNameFor(string path) => $"{path}.{Guid.NewGuid():N}.tmp";
}
