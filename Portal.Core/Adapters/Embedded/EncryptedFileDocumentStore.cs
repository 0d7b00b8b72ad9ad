using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Portal.Core.Kyc;
using Portal.Core.Security;

namespace Portal.Core.Adapters.Embedded;

/// <summary>
/// KYC documents as encrypted files: a fresh data key per version from the key port, AES-256-GCM over 64 KiB chunks
/// (streamed both ways, never the whole file in memory). Each chunk's associated data binds the document key, the
/// version, its index and whether it is the last one, so edited, reordered, swapped or truncated files fail loudly.
/// Folder names are a hash of the document key, so a key can never walk out of the store's folder.
/// </summary>
internal sealed class EncryptedFileDocumentStore(string root, IKeyRing keys, TimeProvider clock) : IDocumentStore
{
    internal const int ChunkSize = 64 * 1024;
    private static readonly byte[] Magic = "PDOC"u8.ToArray();
    private const byte FormatVersion = 1;

    public async Task<string> PutAsync(string documentKey, Stream content, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var versionId = DocumentVersionIds.Next(clock);
        var folder = Folder(documentKey);
        PrivateFiles.CreateFolder(folder);
        var temp = Path.Combine(folder, $"{versionId}.partial");
        var dataKey = await keys.GenerateDataKeyAsync(Context(documentKey, versionId), cancellationToken);
        long length = 0;
        try
        {
            await using (var file = PrivateFiles.CreateNew(temp, useAsync: true))
            {
                var nonce = RandomNumberGenerator.GetBytes(12);
                var header = new byte[Magic.Length + 1 + 2];
                Magic.CopyTo(header, 0);
                header[4] = FormatVersion;
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(5), (ushort)dataKey.Wrapped.Length);
                await file.WriteAsync(header, cancellationToken);
                await file.WriteAsync(dataKey.Wrapped, cancellationToken);
                await file.WriteAsync(nonce, cancellationToken);

                using var aes = new AesGcm(dataKey.Plaintext, 16);
                var current = new byte[ChunkSize];
                var next = new byte[ChunkSize];
                var currentLength = await FillAsync(content, current, cancellationToken);
                var cipher = new byte[ChunkSize];
                var tag = new byte[16];
                var lengthPrefix = new byte[4];
                for (long index = 0; ; index++)
                {
                    // Read one chunk ahead: only then do we know whether the current chunk is the last.
                    var nextLength = currentLength == ChunkSize ? await FillAsync(content, next, cancellationToken) : 0;
                    var isFinal = nextLength == 0;
                    aes.Encrypt(ChunkNonce(nonce, index), current.AsSpan(0, currentLength), cipher.AsSpan(0, currentLength), tag,
                        ChunkData(documentKey, versionId, index, isFinal));
                    BinaryPrimitives.WriteInt32BigEndian(lengthPrefix, currentLength);
                    await file.WriteAsync(lengthPrefix, cancellationToken);
                    await file.WriteAsync(cipher.AsMemory(0, currentLength), cancellationToken);
                    await file.WriteAsync(tag, cancellationToken);
                    length += currentLength;
                    if (isFinal)
                    {
                        break;
                    }

                    (current, next) = (next, current);
                    currentLength = nextLength;
                }

                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, Path.Combine(folder, $"{versionId}.{length.ToString(CultureInfo.InvariantCulture)}.pdoc"));
            return versionId;
        }
        catch
        {
            File.Delete(temp); // a failed or refused upload leaves nothing behind
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey.Plaintext);
        }
    }

    public async Task<Stream?> OpenReadAsync(string documentKey, string versionId, CancellationToken cancellationToken)
    {
        if (!IsVersionId(versionId) || Find(documentKey, versionId) is not { } path)
        {
            return null;
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16 * 1024, useAsync: true);
        try
        {
            var header = new byte[Magic.Length + 1 + 2];
            await file.ReadExactlyAsync(header, cancellationToken);
            if (!header.AsSpan(0, 4).SequenceEqual(Magic) || header[4] != FormatVersion)
            {
                throw new CryptographicException("The stored document has an unknown format.");
            }

            var wrapped = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(5))];
            await file.ReadExactlyAsync(wrapped, cancellationToken);
            var nonce = new byte[12];
            await file.ReadExactlyAsync(nonce, cancellationToken);
            var key = await keys.UnwrapDataKeyAsync(wrapped, Context(documentKey, versionId), cancellationToken);
            return new DecryptingStream(file, key, nonce, documentKey, versionId);
        }
        catch (EndOfStreamException ex)
        {
            await file.DisposeAsync();
            throw new CryptographicException("The stored document is truncated.", ex);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    public Task<IReadOnlyList<DocumentVersion>> ListVersionsAsync(string documentKey, CancellationToken cancellationToken)
    {
        var folder = Folder(documentKey);
        IReadOnlyList<DocumentVersion> versions = !Directory.Exists(folder)
            ? []
            : Directory.EnumerateFiles(folder, "*.pdoc")
                .Select(path => Path.GetFileName(path).Split('.'))
                .Where(parts => parts.Length == 3 && IsVersionId(parts[0]))
                .Select(parts => new DocumentVersion(parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture), VersionTime(parts[0])))
                .OrderByDescending(v => v.VersionId, StringComparer.Ordinal)
                .ToList();
        return Task.FromResult(versions);
    }

    private string Folder(string documentKey) =>
        Path.Combine(root, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(documentKey))));

    private string? Find(string documentKey, string versionId)
    {
        var folder = Folder(documentKey);
        return Directory.Exists(folder) ? Directory.EnumerateFiles(folder, $"{versionId}.*.pdoc").FirstOrDefault() : null;
    }

    private static bool IsVersionId(string value) => value.Length == 32 && value.All(char.IsAsciiHexDigitLower);

    // A version-7 GUID starts with its Unix time in milliseconds (48 bits).
    private static DateTimeOffset VersionTime(string versionId) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(versionId[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    private static string Context(string documentKey, string versionId) => $"document:{documentKey}:{versionId}";

    private static async Task<int> FillAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    internal static byte[] ChunkNonce(byte[] baseNonce, long index)
    {
        var nonce = baseNonce.ToArray();
        var counter = BinaryPrimitives.ReadInt64BigEndian(nonce.AsSpan(4)) ^ index;
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(4), counter);
        return nonce;
    }

    internal static byte[] ChunkData(string documentKey, string versionId, long index, bool isFinal) =>
        Encoding.UTF8.GetBytes($"{documentKey}\u001f{versionId}\u001f{index.ToString(CultureInfo.InvariantCulture)}\u001f{(isFinal ? 1 : 0)}");

    /// <summary>Decrypts chunk by chunk as the caller reads; any mismatch or a missing last chunk throws.</summary>
    private sealed class DecryptingStream(FileStream file, byte[] key, byte[] nonce, string documentKey, string versionId) : Streams.ReadOnlyStream
    {
        private readonly AesGcm _aes = new(key, 16);
        private readonly byte[] _plain = new byte[ChunkSize];
        private readonly byte[] _cipher = new byte[ChunkSize];
        private readonly byte[] _tag = new byte[16];
        private readonly byte[] _prefix = new byte[4];
        private int _available;
        private int _offset;
        private long _index;
        private bool _sawFinal;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _available)
            {
                if (_sawFinal)
                {
                    return 0;
                }

                await NextChunkAsync(cancellationToken);
            }

            var n = Math.Min(buffer.Length, _available - _offset);
            _plain.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        private async Task NextChunkAsync(CancellationToken cancellationToken)
        {
            if (await file.ReadAtLeastAsync(_prefix, 4, throwOnEndOfStream: false, cancellationToken) < 4)
            {
                throw new CryptographicException("The stored document is truncated.");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(_prefix);
            if (length is < 0 or > ChunkSize)
            {
                throw new CryptographicException("The stored document is corrupt.");
            }

            try
            {
                await file.ReadExactlyAsync(_cipher.AsMemory(0, length), cancellationToken);
                await file.ReadExactlyAsync(_tag, cancellationToken);
            }
            catch (EndOfStreamException ex)
            {
                throw new CryptographicException("The stored document is truncated.", ex);
            }

            // The final flag is part of the authenticated data: try "final" only when the file ends here.
            var isFinal = file.Position == file.Length;
            _aes.Decrypt(ChunkNonce(nonce, _index), _cipher.AsSpan(0, length), _tag, _plain.AsSpan(0, length),
                ChunkData(documentKey, versionId, _index, isFinal));
            _sawFinal = isFinal;
            _index++;
            _available = length;
            _offset = 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _aes.Dispose();
                CryptographicOperations.ZeroMemory(key);
                file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
