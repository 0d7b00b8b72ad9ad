namespace Portal.Core.Audit;

/// <summary>
/// The kinds of target an event names, told apart by the prefix of the target's id: a merchant <c>mer_…</c>, a KYC
/// document <c>mer_…/Type</c>, a payment <c>pay_…</c> (refunds <c>re_…</c>), a dispute <c>dsp_…</c>, an account
/// <c>user:…</c>, an API key <c>key_…</c>, a webhook endpoint or delivery <c>we_…</c> / <c>wd_…</c>, the audit log itself.
/// </summary>
public static class AuditTargets
{
    public const string Merchant = "merchant";
    public const string Document = "document";
    public const string Payment = "payment";
    public const string Dispute = "dispute";
    public const string Account = "account";
    public const string Key = "key";
    public const string Webhook = "webhook";
    public const string AuditLog = "audit_log";

    public static IReadOnlyList<string> All { get; } = [Merchant, Document, Payment, Dispute, Account, Key, Webhook, AuditLog];

    /// <summary>The SQL-free description of a type: target prefixes (LIKE patterns, <c>\</c> escapes) and whether a <c>/</c> must (true) or must not (false) appear.</summary>
    public static (string[] Prefixes, bool? Slash)? Pattern(string type) => type switch
    {
        Merchant => (["mer_"], false),
        Document => (["mer_"], true),
        Payment => (["pay_", "re_"], null),
        Dispute => (["dsp_", "dp_"], null),
        Account => (["user:"], null),
        Key => (["key_"], null),
        Webhook => (["we_", "wd_"], null),
        AuditLog => (["audit_log"], null),
        _ => null,
    };

    /// <summary>The kind of a stored target, or null.</summary>
    public static string? TypeOf(string? target)
    {
        if (string.IsNullOrEmpty(target))
        {
            return null;
        }

        foreach (var type in All)
        {
            var (prefixes, slash) = Pattern(type)!.Value;
            if (prefixes.Any(p => target.StartsWith(p, StringComparison.Ordinal)) && (slash is null || slash == target.Contains('/', StringComparison.Ordinal)))
            {
                return type;
            }
        }

        return null;
    }
}
