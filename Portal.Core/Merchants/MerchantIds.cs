namespace Portal.Core.Merchants;

/// <summary>A merchant id on the wire, in URLs and in audit targets: one form, <c>mer_</c> and 32 lower-case hex digits.</summary>
public static class MerchantIds
{
    public const string Prefix = "mer_";

    public static string Display(Guid id) => Prefix + id.ToString("N");

    /// <summary>The id in <paramref name="value"/>, or null unless it is exactly the display form (a bare GUID is refused).</summary>
    public static Guid? Parse(string? value) =>
        value is not null && value.StartsWith(Prefix, StringComparison.Ordinal) && Guid.TryParseExact(value.AsSpan(Prefix.Length), "N", out var id) ? id : null;
}
