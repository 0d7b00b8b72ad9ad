using Portal.Operations;

namespace Portal.Tests.Operations;

public sealed class DiskPacerTests
{
    [Fact]
    public void Each_chunk_is_written_whole_and_followed_by_a_rest_as_long_as_its_write()
    {
        var rests = new List<TimeSpan>();
        var pacer = new DiskPacer(rests.Add);
        var path = Path.Combine(Path.GetTempPath(), $"pacer-{Guid.NewGuid():N}");
        var data = new byte[3 * PortalBackup.SyncChunkBytes + 7];
        Random.Shared.NextBytes(data);

        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (var offset = 0; offset < data.Length; offset += PortalBackup.SyncChunkBytes)
            {
                pacer.WriteSyncedChunk(file, data.AsSpan(offset, Math.Min(PortalBackup.SyncChunkBytes, data.Length - offset)));
            }
        }

        File.ReadAllBytes(path).ShouldBe(data);
        rests.Count.ShouldBe(4);
        rests.ShouldAllBe(rest => rest > TimeSpan.Zero);
        File.Delete(path);
    }
}
