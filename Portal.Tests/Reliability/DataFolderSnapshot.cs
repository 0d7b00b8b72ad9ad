using System.Globalization;
using System.Security.Cryptography;

namespace Portal.Tests.Reliability;

/// <summary>Every file under a folder with its size, modification time and SHA-256: two equal snapshots mean nothing was written.</summary>
internal static class DataFolderSnapshot
{
    // A -shm file is SQLite's shared-memory WAL index, not data: the readers of a live database (the first portal's
    // pollers) update it without writing anything.
    public static SortedDictionary<string, string> Take(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(file => !file.EndsWith("-shm", StringComparison.Ordinal)).ToDictionary(
            file => Path.GetRelativePath(folder, file),
            file => string.Create(CultureInfo.InvariantCulture,
                $"{new FileInfo(file).Length} bytes, {File.GetLastWriteTimeUtc(file):O}, {Hash(file)}")),
            StringComparer.Ordinal);

    // portal.lock cannot be opened while a portal holds it (that is the point); its size and time still count.
    private static string Hash(string file)
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        }
        catch (IOException)
        {
            return "locked";
        }
    }

    /// <summary>A snapshot once the folder has stopped changing (a running portal may still flush a batch).</summary>
    public static async Task<SortedDictionary<string, string>> TakeWhenSettledAsync(string folder, CancellationToken cancellationToken)
    {
        var last = Take(folder);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await Task.Delay(200, cancellationToken);
            var next = Take(folder);
            if (next.SequenceEqual(last))
            {
                return next;
            }

            last = next;
        }

        throw new InvalidOperationException($"{folder} kept changing for 10 s.");
    }
}
