using System.Security.Cryptography;
using Portal.Core.Kyc;

namespace Portal.Tests.Contract;

/// <summary>What every <see cref="IDocumentStore"/> must do; each adapter's test class supplies a fresh, empty store.</summary>
public abstract class DocumentStoreContract
{
    protected abstract Task<IDocumentStore> CreateStoreAsync();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static string NewKey() => $"merchants/{Guid.NewGuid():N}/certificate_of_incorporation";

    protected static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    protected static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, Ct);
            return copy.ToArray();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_537)]
    [InlineData(12 * 1024 * 1024)]
    public async Task Stored_bytes_come_back_exactly(int length)
    {
        var store = await CreateStoreAsync();
        var key = NewKey();
        var bytes = RandomBytes(length);

        var version = await store.PutAsync(key, new MemoryStream(bytes), "application/pdf", Ct);

        (await ReadAllAsync((await store.OpenReadAsync(key, version, Ct))!)).ShouldBe(bytes);
        (await store.ListVersionsAsync(key, Ct)).ShouldHaveSingleItem().Length.ShouldBe(length);
    }

    [Fact]
    public async Task Replacing_a_document_keeps_the_earlier_version()
    {
        var store = await CreateStoreAsync();
        var key = NewKey();
        var first = RandomBytes(1000);
        var second = RandomBytes(2000);

        var v1 = await store.PutAsync(key, new MemoryStream(first), "image/png", Ct);
        var v2 = await store.PutAsync(key, new MemoryStream(second), "image/png", Ct);

        v2.ShouldNotBe(v1);
        (await store.ListVersionsAsync(key, Ct)).Select(v => v.VersionId).ShouldBe([v2, v1]);
        (await ReadAllAsync((await store.OpenReadAsync(key, v1, Ct))!)).ShouldBe(first);
        (await ReadAllAsync((await store.OpenReadAsync(key, v2, Ct))!)).ShouldBe(second);
    }

    [Fact]
    public async Task Quick_successive_versions_list_in_the_order_they_were_stored()
    {
        var store = await CreateStoreAsync();
        var key = NewKey();
        var versions = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            versions.Add(await store.PutAsync(key, new MemoryStream(RandomBytes(10)), "image/png", Ct));
        }

        (await store.ListVersionsAsync(key, Ct)).Select(v => v.VersionId).ShouldBe(Enumerable.Reverse(versions).ToList());
    }

    [Fact]
    public async Task Unknown_keys_and_versions_are_null_and_keys_do_not_leak_into_each_other()
    {
        var store = await CreateStoreAsync();
        var key = NewKey();
        var version = await store.PutAsync(key, new MemoryStream(RandomBytes(10)), "image/jpeg", Ct);

        (await store.OpenReadAsync(NewKey(), version, Ct)).ShouldBeNull();
        (await store.OpenReadAsync(key, "0000000000000000000000000000000a", Ct)).ShouldBeNull();
        (await store.ListVersionsAsync(NewKey(), Ct)).ShouldBeEmpty();
        (await store.ListVersionsAsync(key + "_other", Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_put_that_fails_part_way_keeps_nothing()
    {
        var store = await CreateStoreAsync();
        var key = NewKey();

        await Should.ThrowAsync<IOException>(() => store.PutAsync(key, new FailingStream(6 * 1024 * 1024), "application/pdf", Ct));

        (await store.ListVersionsAsync(key, Ct)).ShouldBeEmpty();
    }

    /// <summary>Delivers <c>failAfter</c> random bytes, then fails like a client that went away.</summary>
    protected sealed class FailingStream(long failAfter) : Portal.Core.Streams.ReadOnlyStream
    {
        private long _position;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= failAfter)
            {
                throw new IOException("The client went away.");
            }

            var n = (int)Math.Min(buffer.Length, failAfter - _position);
            RandomNumberGenerator.Fill(buffer.Span[..n]);
            _position += n;
            return ValueTask.FromResult(n);
        }
    }
}
