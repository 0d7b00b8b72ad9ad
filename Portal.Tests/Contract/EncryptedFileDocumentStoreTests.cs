using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Adapters.Embedded;
using Portal.Core.Kyc;

namespace Portal.Tests.Contract;

public sealed class EncryptedFileDocumentStoreTests : DocumentStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portal-document-contract", Guid.NewGuid().ToString("N"));

    protected override Task<IDocumentStore> CreateStoreAsync() => Task.FromResult<IDocumentStore>(NewStore());

    private EncryptedFileDocumentStore NewStore() =>
        new(Path.Combine(_folder, Guid.NewGuid().ToString("N")), new LocalKeyRing(Path.Combine(_folder, "keys", "master.key")), new FakeTimeProvider(DateTimeOffset.UtcNow));

    private static string OnlyFile(string root) => Directory.EnumerateFiles(root, "*.pdoc", SearchOption.AllDirectories).Single();

    private async Task<(EncryptedFileDocumentStore Store, string Root, string Key, string Version, byte[] Bytes)> StoredAsync(int length)
    {
        var root = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
        var store = new EncryptedFileDocumentStore(root, new LocalKeyRing(Path.Combine(_folder, "keys", "master.key")), TimeProvider.System);
        var key = NewKey();
        var bytes = RandomBytes(length);
        var version = await store.PutAsync(key, new MemoryStream(bytes), "application/pdf", Ct);
        return (store, root, key, version, bytes);
    }

    [Fact]
    public async Task Files_on_disk_do_not_contain_the_plaintext()
    {
        var root = Path.Combine(_folder, "plain");
        var store = new EncryptedFileDocumentStore(root, new LocalKeyRing(Path.Combine(_folder, "keys", "master.key")), TimeProvider.System);
        var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("%PDF-1.7 passport number A1234567 ", 100)));

        await store.PutAsync(NewKey(), new MemoryStream(text), "application/pdf", Ct);

        var stored = await File.ReadAllBytesAsync(OnlyFile(root), Ct);
        System.Text.Encoding.UTF8.GetString(stored).ShouldNotContain("A1234567");
    }

    [Fact]
    public async Task A_flipped_bit_fails_loudly_and_serves_nothing_after_it()
    {
        var (store, root, key, version, _) = await StoredAsync(200_000);
        var path = OnlyFile(root);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[^100] ^= 0x01; // inside the last chunk
        await File.WriteAllBytesAsync(path, bytes, Ct);

        await Should.ThrowAsync<AuthenticationTagMismatchException>(async () => await ReadAllAsync((await store.OpenReadAsync(key, version, Ct))!));
    }

    [Fact]
    public async Task A_truncated_file_fails_even_on_a_chunk_boundary()
    {
        var (store, root, key, version, _) = await StoredAsync(3 * EncryptedFileDocumentStore.ChunkSize);
        var path = OnlyFile(root);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        // Drop the whole last chunk (length prefix + ciphertext + tag): what remains is a valid-looking shorter file.
        await File.WriteAllBytesAsync(path, bytes[..^(4 + EncryptedFileDocumentStore.ChunkSize + 16)], Ct);

        await Should.ThrowAsync<CryptographicException>(async () => await ReadAllAsync((await store.OpenReadAsync(key, version, Ct))!));
    }

    [Fact]
    public async Task A_file_moved_to_another_document_key_does_not_decrypt()
    {
        var (store, root, _, version, _) = await StoredAsync(1000);
        var otherKey = NewKey();
        await store.PutAsync(otherKey, new MemoryStream(RandomBytes(10)), "application/pdf", Ct);
        var source = Directory.EnumerateFiles(root, $"{version}.*.pdoc", SearchOption.AllDirectories).Single();
        var targetFolder = Path.GetDirectoryName(Directory.EnumerateFiles(root, "*.pdoc", SearchOption.AllDirectories).First(p => p != source))!;
        File.Copy(source, Path.Combine(targetFolder, Path.GetFileName(source)));

        await Should.ThrowAsync<CryptographicException>(() => store.OpenReadAsync(otherKey, version, Ct));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("not-a-version")]
    public async Task Malformed_version_ids_are_unknown(string version)
    {
        var (store, _, key, _, _) = await StoredAsync(10);
        (await store.OpenReadAsync(key, version, Ct)).ShouldBeNull();
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
