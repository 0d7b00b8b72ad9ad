using System.Security.Cryptography;

namespace Portal.Core.Kyc;

public enum DocumentFormat
{
    Pdf,
    Jpeg,
    Png,
}

/// <summary>An upload that went over the size limit while streaming.</summary>
public sealed class DocumentTooLargeException(long maxBytes) : IOException($"The file is larger than {maxBytes / (1024 * 1024)} MB.")
{
    public long MaxBytes { get; } = maxBytes;
}

/// <summary>
/// The gate every upload passes: the format is decided by the file's first bytes (never its name or declared type),
/// the size limit is enforced while streaming, and the SHA-256 is computed on the way through. Nothing is buffered
/// beyond the 8-byte signature.
/// </summary>
public static class DocumentIntake
{
    private static readonly byte[] PdfSignature = "%PDF-"u8.ToArray();
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static DocumentFormat? Detect(ReadOnlySpan<byte> head) =>
        head.StartsWith(PdfSignature) ? DocumentFormat.Pdf
        : head.StartsWith(PngSignature) ? DocumentFormat.Png
        : head.StartsWith(JpegSignature) ? DocumentFormat.Jpeg
        : null;

    public static string ContentType(DocumentFormat format) => format switch
    {
        DocumentFormat.Pdf => "application/pdf",
        DocumentFormat.Jpeg => "image/jpeg",
        DocumentFormat.Png => "image/png",
        _ => "application/octet-stream",
    };

    /// <summary>Reads the signature; null when the file is not a PDF, JPEG or PNG. The returned stream replays the signature bytes.</summary>
    public static async Task<IntakeStream?> OpenAsync(Stream source, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var head = new byte[PngSignature.Length];
        var read = await source.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        return Detect(head.AsSpan(0, read)) is { } format ? new IntakeStream(source, head[..read], format, maxBytes) : null;
    }
}

/// <summary>The upload as the store reads it: signature replayed, bytes counted against the limit, hashed as they pass.</summary>
public sealed class IntakeStream : Streams.ReadOnlyStream
{
    private readonly Stream _source;
    private readonly byte[] _head;
    private readonly long _maxBytes;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _headOffset;
    private long _length;
    private string? _hash;

    internal IntakeStream(Stream source, byte[] head, DocumentFormat format, long maxBytes)
    {
        _source = source;
        _head = head;
        _maxBytes = maxBytes;
        Format = format;
        Count(head);
    }

    public DocumentFormat Format { get; }

    /// <summary>Bytes read so far (the whole file once the store has finished).</summary>
    public long BytesRead => _length;

    /// <summary>Hex SHA-256 of everything read; available once the stream has been read to the end.</summary>
    public string Sha256 => _hash ?? throw new InvalidOperationException("The upload has not been read to the end.");

    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_headOffset < _head.Length)
        {
            var n = Math.Min(buffer.Length, _head.Length - _headOffset);
            _head.AsMemory(_headOffset, n).CopyTo(buffer);
            _headOffset += n;
            return n;
        }

        var read = await _source.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            _hash ??= Convert.ToHexStringLower(_sha256.GetHashAndReset());
            return 0;
        }

        Count(buffer.Span[..read]);
        return read;
    }

    private void Count(ReadOnlySpan<byte> bytes)
    {
        _length += bytes.Length;
        if (_length > _maxBytes)
        {
            throw new DocumentTooLargeException(_maxBytes);
        }

        _sha256.AppendData(bytes);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256.Dispose();
        }

        base.Dispose(disposing);
    }
}
