using System.Globalization;

namespace Portal.Core.Kyc;

/// <summary>
/// Version ids for documents: 32 lower-case hex digits that sort in creation order. A version-7 GUID alone orders only
/// by millisecond; two uploads in one millisecond (or under a frozen test clock) could list in either order, so each
/// new id is forced above the previous one issued by this process.
/// </summary>
public static class DocumentVersionIds
{
    private static readonly Lock Gate = new();
    private static UInt128 _last;

    public static string Next(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var candidate = UInt128.Parse(Guid.CreateVersion7(clock.GetUtcNow()).ToString("N"), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        lock (Gate)
        {
            _last = candidate > _last ? candidate : _last + 1;
            return _last.ToString("x32", CultureInfo.InvariantCulture);
        }
    }
}
