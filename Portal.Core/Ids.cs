using System.Diagnostics.CodeAnalysis;

namespace Portal.Core;

/// <summary>
/// The one wire form of every prefixed id: the prefix, then the Guid as exactly 32 lower-case hex digits
/// (<c>pay_0193a5...</c>). Nothing else parses: no upper case, no braces or hyphens, no whitespace, no other scripts' digits.
/// </summary>
public static class PrefixedId
{
    private const int HexLength = 32;

    public static string Format(string prefix, Guid value) => string.Create(prefix.Length + HexLength, (prefix, value), static (span, state) =>
    {
        state.prefix.AsSpan().CopyTo(span);
        state.value.TryFormat(span[state.prefix.Length..], out _, "N");
    });

    public static bool TryParse(ReadOnlySpan<char> text, string prefix, out Guid value)
    {
        value = default;
        if (text.Length != prefix.Length + HexLength || !text.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var hex = text[prefix.Length..];
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return Guid.TryParseExact(hex, "N", out value);
    }
}

/// <summary>A merchant: <c>mer_</c> and 32 lower-case hex digits on the wire, in URLs and audit targets. Binds from routes (<see cref="IParsable{TSelf}"/>).</summary>
public readonly record struct MerchantId(Guid Value) : ISpanParsable<MerchantId>
{
    public const string Prefix = "mer_";

    public static MerchantId New(TimeProvider clock) => new(Guid.CreateVersion7((clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow()));

    public override string ToString() => PrefixedId.Format(Prefix, Value);

    public static MerchantId Parse(string s, IFormatProvider? provider) => Parse((s ?? throw new ArgumentNullException(nameof(s))).AsSpan(), provider);

    public static MerchantId Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"Not a {Prefix} id: expected {Prefix} and 32 lower-case hex digits.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out MerchantId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out MerchantId result)
    {
        var ok = PrefixedId.TryParse(s, Prefix, out var value);
        result = new(value);
        return ok;
    }

    /// <summary>The id in <paramref name="text"/>, or null unless it is exactly the wire form.</summary>
    public static MerchantId? From(string? text) => TryParse(text, null, out var id) ? id : null;
}

/// <summary>A payment: <c>pay_</c> and 32 lower-case hex digits on the wire, in URLs and audit targets. Binds from routes (<see cref="IParsable{TSelf}"/>).</summary>
public readonly record struct PaymentId(Guid Value) : ISpanParsable<PaymentId>
{
    public const string Prefix = "pay_";

    public static PaymentId New(TimeProvider clock) => new(Guid.CreateVersion7((clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow()));

    public override string ToString() => PrefixedId.Format(Prefix, Value);

    public static PaymentId Parse(string s, IFormatProvider? provider) => Parse((s ?? throw new ArgumentNullException(nameof(s))).AsSpan(), provider);

    public static PaymentId Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"Not a {Prefix} id: expected {Prefix} and 32 lower-case hex digits.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out PaymentId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out PaymentId result)
    {
        var ok = PrefixedId.TryParse(s, Prefix, out var value);
        result = new(value);
        return ok;
    }

    /// <summary>The id in <paramref name="text"/>, or null unless it is exactly the wire form.</summary>
    public static PaymentId? From(string? text) => TryParse(text, null, out var id) ? id : null;
}

/// <summary>A refund of a payment: <c>re_</c> and 32 lower-case hex digits on the wire, in URLs and audit targets. Binds from routes (<see cref="IParsable{TSelf}"/>).</summary>
public readonly record struct RefundId(Guid Value) : ISpanParsable<RefundId>
{
    public const string Prefix = "re_";

    public static RefundId New(TimeProvider clock) => new(Guid.CreateVersion7((clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow()));

    public override string ToString() => PrefixedId.Format(Prefix, Value);

    public static RefundId Parse(string s, IFormatProvider? provider) => Parse((s ?? throw new ArgumentNullException(nameof(s))).AsSpan(), provider);

    public static RefundId Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"Not a {Prefix} id: expected {Prefix} and 32 lower-case hex digits.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out RefundId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out RefundId result)
    {
        var ok = PrefixedId.TryParse(s, Prefix, out var value);
        result = new(value);
        return ok;
    }

    /// <summary>The id in <paramref name="text"/>, or null unless it is exactly the wire form.</summary>
    public static RefundId? From(string? text) => TryParse(text, null, out var id) ? id : null;
}

/// <summary>An outbox event about a payment: <c>evt_</c> and 32 lower-case hex digits on the wire, in URLs and audit targets. Binds from routes (<see cref="IParsable{TSelf}"/>).</summary>
public readonly record struct PaymentEventId(Guid Value) : ISpanParsable<PaymentEventId>
{
    public const string Prefix = "evt_";

    public static PaymentEventId New(TimeProvider clock) => new(Guid.CreateVersion7((clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow()));

    public override string ToString() => PrefixedId.Format(Prefix, Value);

    public static PaymentEventId Parse(string s, IFormatProvider? provider) => Parse((s ?? throw new ArgumentNullException(nameof(s))).AsSpan(), provider);

    public static PaymentEventId Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"Not a {Prefix} id: expected {Prefix} and 32 lower-case hex digits.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out PaymentEventId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out PaymentEventId result)
    {
        var ok = PrefixedId.TryParse(s, Prefix, out var value);
        result = new(value);
        return ok;
    }

    /// <summary>The id in <paramref name="text"/>, or null unless it is exactly the wire form.</summary>
    public static PaymentEventId? From(string? text) => TryParse(text, null, out var id) ? id : null;
}

/// <summary>A merchant's webhook endpoint: <c>we_</c> and 32 lower-case hex digits on the wire, in URLs and audit targets. Binds from routes (<see cref="IParsable{TSelf}"/>).</summary>
public readonly record struct WebhookEndpointId(Guid Value) : ISpanParsable<WebhookEndpointId>
{
    public const string Prefix = "we_";

    public static WebhookEndpointId New(TimeProvider clock) => new(Guid.CreateVersion7((clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow()));

    public override string ToString() => PrefixedId.Format(Prefix, Value);

    public static WebhookEndpointId Parse(string s, IFormatProvider? provider) => Parse((s ?? throw new ArgumentNullException(nameof(s))).AsSpan(), provider);

    public static WebhookEndpointId Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"Not a {Prefix} id: expected {Prefix} and 32 lower-case hex digits.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out WebhookEndpointId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out WebhookEndpointId result)
    {
        var ok = PrefixedId.TryParse(s, Prefix, out var value);
        result = new(value);
        return ok;
    }

    /// <summary>The id in <paramref name="text"/>, or null unless it is exactly the wire form.</summary>
    public static WebhookEndpointId? From(string? text) => TryParse(text, null, out var id) ? id : null;
}

/// <summary>One delivery of an event to a webhook endpoint: <c>wd_</c> and 32 lower-case hex digits on the wire, in URLs and audit targets. Binds from routes (<see cref="IParsable{TSelf}"/>).</summary>
public readonly record struct WebhookDeliveryId(Guid Value) : ISpanParsable<WebhookDeliveryId>
{
    public const string Prefix = "wd_";

    public static WebhookDeliveryId New(TimeProvider clock) => new(Guid.CreateVersion7((clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow()));

    public override string ToString() => PrefixedId.Format(Prefix, Value);

    public static WebhookDeliveryId Parse(string s, IFormatProvider? provider) => Parse((s ?? throw new ArgumentNullException(nameof(s))).AsSpan(), provider);

    public static WebhookDeliveryId Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"Not a {Prefix} id: expected {Prefix} and 32 lower-case hex digits.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out WebhookDeliveryId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out WebhookDeliveryId result)
    {
        var ok = PrefixedId.TryParse(s, Prefix, out var value);
        result = new(value);
        return ok;
    }

    /// <summary>The id in <paramref name="text"/>, or null unless it is exactly the wire form.</summary>
    public static WebhookDeliveryId? From(string? text) => TryParse(text, null, out var id) ? id : null;
}

/// <summary>A fraud review case of a held payment: <c>frc_</c> and 32 lower-case hex digits on the wire, in URLs and audit targets. Binds from routes (<see cref="IParsable{TSelf}"/>).</summary>
public readonly record struct FraudCaseId(Guid Value) : ISpanParsable<FraudCaseId>
{
    public const string Prefix = "frc_";

    public static FraudCaseId New(TimeProvider clock) => new(Guid.CreateVersion7((clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow()));

    public override string ToString() => PrefixedId.Format(Prefix, Value);

    public static FraudCaseId Parse(string s, IFormatProvider? provider) => Parse((s ?? throw new ArgumentNullException(nameof(s))).AsSpan(), provider);

    public static FraudCaseId Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"Not a {Prefix} id: expected {Prefix} and 32 lower-case hex digits.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out FraudCaseId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out FraudCaseId result)
    {
        var ok = PrefixedId.TryParse(s, Prefix, out var value);
        result = new(value);
        return ok;
    }

    /// <summary>The id in <paramref name="text"/>, or null unless it is exactly the wire form.</summary>
    public static FraudCaseId? From(string? text) => TryParse(text, null, out var id) ? id : null;
}

/// <summary>An amount of money: integer minor units and a lower-case ISO 4217 currency code (never a float).</summary>
public readonly record struct Money(long Minor, string Currency)
{
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Minor} {Currency}");
}

/// <summary>An allow/block list entry of fraud scoring: <c>fle_</c> and 32 lower-case hex digits on the wire, in URLs and audit targets. Binds from routes (<see cref="IParsable{TSelf}"/>).</summary>
public readonly record struct FraudListEntryId(Guid Value) : ISpanParsable<FraudListEntryId>
{
    public const string Prefix = "fle_";

    public static FraudListEntryId New(TimeProvider clock) => new(Guid.CreateVersion7((clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow()));

    public override string ToString() => PrefixedId.Format(Prefix, Value);

    public static FraudListEntryId Parse(string s, IFormatProvider? provider) => Parse((s ?? throw new ArgumentNullException(nameof(s))).AsSpan(), provider);

    public static FraudListEntryId Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"Not a {Prefix} id: expected {Prefix} and 32 lower-case hex digits.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out FraudListEntryId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out FraudListEntryId result)
    {
        var ok = PrefixedId.TryParse(s, Prefix, out var value);
        result = new(value);
        return ok;
    }

    /// <summary>The id in <paramref name="text"/>, or null unless it is exactly the wire form.</summary>
    public static FraudListEntryId? From(string? text) => TryParse(text, null, out var id) ? id : null;
}

/// <summary>A dispute (chargeback) of a payment: <c>dp_</c> and 32 lower-case hex digits on the wire, in URLs and audit targets. Binds from routes (<see cref="IParsable{TSelf}"/>).</summary>
public readonly record struct DisputeId(Guid Value) : ISpanParsable<DisputeId>
{
    public const string Prefix = "dp_";

    public static DisputeId New(TimeProvider clock) => new(Guid.CreateVersion7((clock ?? throw new ArgumentNullException(nameof(clock))).GetUtcNow()));

    public override string ToString() => PrefixedId.Format(Prefix, Value);

    public static DisputeId Parse(string s, IFormatProvider? provider) => Parse((s ?? throw new ArgumentNullException(nameof(s))).AsSpan(), provider);

    public static DisputeId Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var id) ? id : throw new FormatException($"Not a {Prefix} id: expected {Prefix} and 32 lower-case hex digits.");

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out DisputeId result) => TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out DisputeId result)
    {
        var ok = PrefixedId.TryParse(s, Prefix, out var value);
        result = new(value);
        return ok;
    }

    /// <summary>The id in <paramref name="text"/>, or null unless it is exactly the wire form.</summary>
    public static DisputeId? From(string? text) => TryParse(text, null, out var id) ? id : null;
}
