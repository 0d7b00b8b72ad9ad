namespace Portal.Components.Kyc;

/// <summary>Reports read progress (whole percents, at most once per percent) of a stream of known size.</summary>
internal sealed class ProgressStream(Stream inner, long total, Func<double, Task> report) : Portal.Core.Streams.ReadOnlyStream
{
    private long _read;
    private int _lastPercent = -1;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _read += read;
        var percent = total <= 0 ? 100 : (int)Math.Min(100, _read * 100 / total);
        if (percent != _lastPercent)
        {
            _lastPercent = percent;
            await report(percent);
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
