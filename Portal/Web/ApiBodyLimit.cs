namespace Portal.Web;

/// <summary>A read-only stream that fails with 413 once more than <c>maxBytes</c> have been read (covers chunked bodies with no Content-Length).</summary>
internal sealed class ApiBodyLimit(Stream inner, long maxBytes) : Portal.Core.Streams.ReadOnlyStream
{
    public const long DefaultMaxBytes = 64 * 1024;
    private long _read;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    private int Count(int read)
    {
        _read += read;
        if (_read > maxBytes)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        return read;
    }
}

/// <summary>Endpoint metadata: this endpoint accepts bodies up to <see cref="MaxBytes"/> (file uploads).</summary>
internal sealed record LargeBody(long MaxBytes);
