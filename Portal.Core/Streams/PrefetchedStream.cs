namespace Portal.Core.Streams;

/// <summary>
/// A stream whose first bytes were read ahead, then replayed before the rest. Reading ahead makes the source do its
/// first piece of work (for an encrypted document: decrypt and authenticate the first chunk) before anyone commits to
/// answering, so a failure there is an error response rather than a half-sent file.
/// </summary>
public sealed class PrefetchedStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly byte[] _head;
    private readonly int _headLength;
    private int _headPosition;

    private PrefetchedStream(Stream inner, byte[] head, int headLength)
    {
        _inner = inner;
        _head = head;
        _headLength = headLength;
    }

    /// <summary>Reads up to <paramref name="size"/> bytes ahead (less only at the end of the stream). Exceptions from the source propagate.</summary>
    public static async Task<PrefetchedStream> OpenAsync(Stream inner, int size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inner);
        var head = new byte[size];
        var length = 0;
        int read;
        while (length < size && (read = await inner.ReadAsync(head.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return new PrefetchedStream(inner, head, length);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_headPosition < _headLength)
        {
            var count = Math.Min(buffer.Length, _headLength - _headPosition);
            _head.AsMemory(_headPosition, count).CopyTo(buffer);
            _headPosition += count;
            return count;
        }

        return await _inner.ReadAsync(buffer, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
