using FluentValidation;
using Portal.Core.Security;

namespace Portal.Core.Fraud.Lists;

/// <summary>
/// The one set of list-entry rules, used by the API, the add dialog and each CSV row. Property names are reported in
/// snake_case (<c>value</c>, <c>reason</c>, <c>expires_at</c>), the value's message names what kind of value was expected.
/// </summary>
public sealed class FraudListEntryValidator : AbstractValidator<FraudListEntryRequest>
{
    public const int MaxValueLength = 200;
    public const int MaxReasonLength = 500;

    public FraudListEntryValidator(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        RuleFor(r => r.List).Must(l => FraudListNames.ParseList(l) is not null).OverridePropertyName("list")
            .WithMessage("list must be one of: allow, block.");
        RuleFor(r => r.Subject).Must(s => FraudListNames.ParseSubject(s) is not null).OverridePropertyName("subject")
            .WithMessage("subject must be one of: " + string.Join(", ", FraudListNames.Subjects) + ".");
        RuleFor(r => r.Value).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("value is required.")
            .MaximumLength(MaxValueLength).WithMessage($"value must be at most {MaxValueLength} characters.")
            .NoCardNumber()
            .Must((r, v) => FraudListNames.ParseSubject(r.Subject) is not { } subject || Normalise(subject, v!) is not null)
            .WithMessage(r => ValueMessage(FraudListNames.ParseSubject(r.Subject)))
            .OverridePropertyName("value");
        RuleFor(r => r.Reason).Cascade(CascadeMode.Stop)
            .Must(v => !string.IsNullOrWhiteSpace(v)).WithMessage("reason is required: say why this entry is needed.")
            .MaximumLength(MaxReasonLength).WithMessage($"reason must be at most {MaxReasonLength} characters.")
            .NoCardNumber()
            .OverridePropertyName("reason");
        RuleFor(r => r.ExpiresAt).Must(e => e is null || e > clock.GetUtcNow()).OverridePropertyName("expires_at")
            .WithMessage("expires_at must be in the future (leave it out for an entry that does not expire).");
        RuleFor(r => r.MerchantId).Must(m => m is null || MerchantId.From(m) is not null).OverridePropertyName("merchant_id")
            .WithMessage("merchant_id must be a merchant id (mer_ and 32 lower-case hex digits).");
        RuleFor(r => r.MerchantId).Must(m => !string.IsNullOrEmpty(m)).When(r => FraudListNames.ParseSubject(r.Subject) == FraudListSubject.Customer)
            .OverridePropertyName("merchant_id").WithMessage("merchant_id is required for a customer entry: customer ids are each merchant's own.");
    }

    /// <summary>The stored form of a value, or null when it is not a valid value of that subject.</summary>
    public static string? Normalise(FraudListSubject? subject, string value) => subject switch
    {
        FraudListSubject.Country => FraudListValues.Country(value),
        FraudListSubject.Ip => FraudListValues.IpRange(value),
        FraudListSubject.EmailDomain => FraudListValues.EmailDomain(value),
        FraudListSubject.Customer or FraudListSubject.Device => value.Trim() is { Length: > 0 } trimmed && !trimmed.Any(char.IsControl) ? trimmed : null,
        _ => null,
    };

    private static string ValueMessage(FraudListSubject? subject) => subject switch
    {
        FraudListSubject.Country => "value must be a known ISO 3166-1 alpha-2 country code, such as NG or GB.",
        FraudListSubject.Ip => "value must be an IP address or a CIDR range with its host bits zero, such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32.",
        FraudListSubject.EmailDomain => "value must be an email domain, such as example.com.",
        _ => "value must not be blank or hold control characters.",
    };
}
