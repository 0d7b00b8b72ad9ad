using System.Runtime.Versioning;
using Portal.Core.Adapters.Embedded;

namespace Portal.Tests.Unit.Storage;

public sealed class LocalKeyRingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-keyring-tests", Guid.NewGuid().ToString("N"));

    private string KeyPath => Path.Combine(_folder, "keys", "master.key");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void A_new_key_file_is_private_to_the_owner_in_a_private_folder()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only");

        _ = new LocalKeyRing(KeyPath);

        File.GetUnixFileMode(KeyPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(Path.GetDirectoryName(KeyPath)!).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.EnumerateFiles(Path.GetDirectoryName(KeyPath)!).ShouldBe([KeyPath]); // no temporary file left behind
    }

    [Fact]
    public async Task Instances_starting_together_on_a_fresh_folder_agree_on_one_key()
    {
        var rings = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => new LocalKeyRing(KeyPath))));

        rings.Select(r => Convert.ToHexString(r.DeriveKey("test"))).Distinct().ShouldHaveSingleItem();
        new LocalKeyRing(KeyPath).DeriveKey("test").ShouldBe(rings[0].DeriveKey("test"));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void A_key_file_readable_by_others_is_refused()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only");
        _ = new LocalKeyRing(KeyPath);
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        Should.Throw<InvalidOperationException>(() => new LocalKeyRing(KeyPath)).Message.ShouldContain("readable or writable by other users");
    }
}
