using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;

namespace Portal.Core.Fraud.Lists;

/// <summary>
/// Parsing and normalising list values: ISO 3166-1 alpha-2 country codes (officially assigned codes only), IP addresses
/// and CIDR ranges (IPv4 and IPv6, as 128-bit numbers with IPv4 mapped into <c>::ffff:0:0/96</c>), email domains.
/// </summary>
public static class FraudListValues
{
    /// <summary>The 249 officially assigned ISO 3166-1 alpha-2 codes.</summary>
    public static readonly FrozenSet<string> CountryCodes = """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN
        CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
        HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
        ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
        SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
        VN VU WF WS YE YT ZA ZM ZW
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);

    private static readonly UInt128 V4MappedPrefix = (UInt128)0xFFFF << 32;

    /// <summary>An upper-case known code, or null.</summary>
    public static string? Country(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var code = value.Trim().ToUpperInvariant();
        return code.Length == 2 && CountryCodes.Contains(code) ? code : null;
    }

    /// <summary>A domain such as <c>example.com</c> (a leading <c>@</c> is dropped), lower case; null when it is not one.</summary>
    public static string? EmailDomain(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var domain = value.Trim().TrimStart('@').ToLowerInvariant();
        if (domain.Length is < 3 or > 253 || !domain.Contains('.', StringComparison.Ordinal) || domain.StartsWith('.') || domain.EndsWith('.') || domain.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var c in domain)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
            {
                return null;
            }
        }

        return domain;
    }

    /// <summary>
    /// An address (<c>203.0.113.7</c>, <c>2001:db8::1</c>) or a CIDR range whose host bits are zero (<c>203.0.113.0/24</c>,
    /// <c>2001:db8::/32</c>) in canonical form; null when it is neither. A lone address is written without a prefix.
    /// </summary>
    public static string? IpRange(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (text.Length == 0 || !(text.Contains('.', StringComparison.Ordinal) || text.Contains(':', StringComparison.Ordinal)))
        {
            return null; // IPAddress would read "7" as 0.0.0.7
        }

        foreach (var c in text)
        {
            if (!(char.IsAsciiHexDigit(c) || c is '.' or ':' or '/'))
            {
                return null;
            }
        }

        if (!text.Contains('/', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(text, out var address) && IsPlainForm(text, address) ? Normalise(address).ToString() : null;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(text.AsSpan(0, slash), out var start) || !IsPlainForm(text[..slash], start))
        {
            return null;
        }

        if (!IPNetwork.TryParse(text, out var network) || !network.BaseAddress.Equals(start))
        {
            return null; // a bad prefix length, or host bits set (IPNetwork would quietly clear them)
        }

        var baseAddress = Normalise(network.BaseAddress);
        var prefix = network.PrefixLength;
        if (network.BaseAddress.IsIPv4MappedToIPv6)
        {
            if (prefix < 96)
            {
                return null;
            }

            prefix -= 96;
        }

        var full = baseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        return prefix == full ? baseAddress.ToString() : $"{baseAddress}/{prefix}";
    }

    /// <summary>The range of a stored (canonical) value as a 128-bit start and a prefix length in that space.</summary>
    public static (UInt128 Start, int Prefix) Range(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var slash = canonical.IndexOf('/', StringComparison.Ordinal);
        var address = IPAddress.Parse(slash < 0 ? canonical : canonical[..slash]);
        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        var prefix = slash < 0 ? (v4 ? 32 : 128) : int.Parse(canonical.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture);
        return (ToNumber(address), v4 ? prefix + 96 : prefix);
    }

    /// <summary>The payment's address as a 128-bit number; IPv4 without allocating. False when it is not an address.</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out UInt128 number)
    {
        if (TryParseV4(text, out var v4))
        {
            number = V4MappedPrefix | v4;
            return true;
        }

        number = default;
        if (text.IndexOf(':') < 0 || !IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        number = ToNumber(Normalise(address));
        return true;
    }

    public static UInt128 Mask(int prefix) => prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);

    private static bool IsPlainForm(string text, IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? !text.Contains('%', StringComparison.Ordinal) : TryParseV4(text, out _);

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return V4MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }

        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>Exactly four dot-separated decimal numbers 0-255 in ASCII digits, no leading zeros.</summary>
    private static bool TryParseV4(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        var parts = 0;
        var i = 0;
        while (parts < 4)
        {
            var start = i;
            uint part = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]) && i - start < 3)
            {
                part = part * 10 + (uint)(text[i] - '0');
                i++;
            }

            var digits = i - start;
            if (digits == 0 || part > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }

            value = (value << 8) | part;
            parts++;
            if (parts < 4)
            {
                if (i >= text.Length || text[i] != '.')
                {
                    return false;
                }

                i++;
            }
        }

        return i == text.Length;
    }
}
