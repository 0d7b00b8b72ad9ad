namespace Portal.Core.Fraud.Lists;

/// <summary>Which list an entry is on: an allow entry skips the rules, a block entry blocks the payment.</summary>
public enum FraudListType
{
    Allow,
    Block,
}

/// <summary>What an entry matches in a payment. <see cref="Ip"/> is one address or a CIDR range, IPv4 or IPv6.</summary>
public enum FraudListSubject
{
    Customer,
    Device,
    Country,
    Ip,
    EmailDomain,
}

/// <summary>
/// One allow or block entry. <see cref="Value"/> is stored normalised (country upper case, email domain lower case, an IP
/// range in its canonical CIDR form). A customer entry belongs to one merchant (customer ids are the merchant's own);
/// other entries apply to every merchant unless <see cref="MerchantId"/> narrows them. An entry stops applying at
/// <see cref="ExpiresAt"/>; expiring it by hand sets that to the moment it was expired (<see cref="ExpiredBy"/> says who).
/// </summary>
public sealed record FraudListEntry(
    Guid Id,
    FraudListType List,
    FraudListSubject Subject,
    string Value,
    Guid? MerchantId,
    string Reason,
    string AuthorId,
    string AuthorName,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    string? ExpiredBy,
    long Version)
{
    public string DisplayId => new FraudListEntryId(Id).ToString();

    public bool IsActive(DateTimeOffset at) => ExpiresAt is not { } expires || expires > at;
}

/// <summary>What an admin asks to add (the API body, the add dialog, one CSV row). <see cref="ExpiresAt"/> is optional.</summary>
public sealed record FraudListEntryRequest(
    string? List,
    string? Subject,
    string? Value,
    string? Reason,
    DateTimeOffset? ExpiresAt = null,
    string? MerchantId = null);

/// <summary>Filters and paging of the list screen; newest first.</summary>
public sealed record FraudListQuery(
    FraudListType? List = null,
    FraudListSubject? Subject = null,
    bool IncludeExpired = false,
    string? Search = null,
    int Skip = 0,
    int Take = 25);

public sealed record FraudListPage(IReadOnlyList<FraudListEntry> Items, int Total);

/// <summary>Wire names of the enums: snake_case, like every other field.</summary>
public static class FraudListNames
{
    public static string Of(FraudListType list) => list == FraudListType.Allow ? "allow" : "block";

    public static string Of(FraudListSubject subject) => subject switch
    {
        FraudListSubject.Customer => "customer",
        FraudListSubject.Device => "device",
        FraudListSubject.Country => "country",
        FraudListSubject.Ip => "ip",
        FraudListSubject.EmailDomain => "email_domain",
        _ => throw new ArgumentOutOfRangeException(nameof(subject)),
    };

    public static FraudListType? ParseList(string? text) => text switch
    {
        "allow" => FraudListType.Allow,
        "block" => FraudListType.Block,
        _ => null,
    };

    public static FraudListSubject? ParseSubject(string? text) => text switch
    {
        "customer" => FraudListSubject.Customer,
        "device" => FraudListSubject.Device,
        "country" => FraudListSubject.Country,
        "ip" => FraudListSubject.Ip,
        "email_domain" => FraudListSubject.EmailDomain,
        _ => null,
    };

    public static readonly IReadOnlyList<string> Lists = ["allow", "block"];

    public static readonly IReadOnlyList<string> Subjects = ["customer", "device", "country", "ip", "email_domain"];
}
