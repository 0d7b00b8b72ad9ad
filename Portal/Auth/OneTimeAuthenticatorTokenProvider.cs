using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Portal.Auth;

/// <summary>
/// Authenticator-app codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), each accepted once. The time step a code
/// matched is stored per user (a user token, so the schema stays stock), and a code of that step or an earlier one is
/// refused: a code seen over a shoulder, in a proxy log or by a phishing page cannot be used a second time, whether at
/// the sign-in page, the enrolment page or the token endpoint (all of them verify through this provider).
/// </summary>
internal sealed class OneTimeAuthenticatorTokenProvider(TimeProvider clock) : AuthenticatorTokenProvider<PortalUser>
{
    internal const string LoginProvider = "[PortalTotp]";
    internal const string LastAcceptedStep = "LastAcceptedStep";

    private const int StepSeconds = 30;
    private const int CodeLength = 6;

    // As stock Identity: a phone's clock may be a minute out either way.
    private const int StepsEitherSide = 2;

    public override async Task<bool> ValidateAsync(string purpose, string token, UserManager<PortalUser> manager, PortalUser user)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrWhiteSpace(key) || ParseCode(token) is not { } code || Base32Decode(key) is not { } secret)
        {
            return false;
        }

        var now = clock.GetUtcNow().ToUnixTimeSeconds() / StepSeconds;
        long? matched = null;
        for (var step = now - StepsEitherSide; step <= now + StepsEitherSide && matched is null; step++)
        {
            if (Compute(secret, step) == code)
            {
                matched = step;
            }
        }

        if (matched is not { } accepted)
        {
            return false;
        }

        var last = await manager.GetAuthenticationTokenAsync(user, LoginProvider, LastAcceptedStep);
        if (long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var lastStep) && accepted <= lastStep)
        {
            return false;
        }

        // The write checks the user's concurrency stamp: of two requests racing with one code, only the first passes.
        var recorded = await manager.SetAuthenticationTokenAsync(user, LoginProvider, LastAcceptedStep, accepted.ToString(CultureInfo.InvariantCulture));
        return recorded.Succeeded;
    }

    /// <summary>Exactly six ASCII digits (<c>\d</c> and <c>char.IsDigit</c> would take other scripts' digits too).</summary>
    private static int? ParseCode(string? token) =>
        token is { Length: CodeLength } && token.All(char.IsAsciiDigit) ? int.Parse(token, NumberStyles.None, CultureInfo.InvariantCulture) : null;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "RFC 6238 and every authenticator app use HMAC-SHA1; HMAC does not rely on SHA-1's collision resistance.")]
    private static int Compute(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[HMACSHA1.HashSizeInBytes];
        HMACSHA1.HashData(secret, counter, hash);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return binary % 1_000_000;
    }

    private static byte[]? Base32Decode(string key)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var output = new List<byte>(key.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in key.TrimEnd('='))
        {
            var value = alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            if (value < 0)
            {
                return null;
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. output];
    }
}
