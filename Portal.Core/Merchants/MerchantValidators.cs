using System.Text.RegularExpressions;
using FluentValidation;
using Portal.Core.Security;

namespace Portal.Core.Merchants;

/// <summary>
/// The rules for merchant data, written once: the API validates requests with them and the onboarding wizard validates
/// each field as the user types with the same instances.
/// </summary>
public static partial class MerchantRules
{
    public static readonly IReadOnlyList<string> Industries =
        ["Retail", "E-commerce", "Food and beverage", "Travel and hospitality", "Education", "Health", "Professional services", "Software and SaaS", "Logistics", "Non-profit", "Other"];

    public static IRuleBuilderOptions<T, string?> BusinessName<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(v => !string.IsNullOrWhiteSpace(v)).WithMessage("Enter the business name.")
        .Must(v => v is null || v.Trim().Length is >= 2 and <= 120).WithMessage("The business name must be 2 to 120 characters.")
        .NoCardNumber();

    public static IRuleBuilderOptions<T, string?> CacNumber<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(v => AsciiDigits.Are(v?.Trim(), 6)).WithMessage("The CAC registration number is exactly 6 digits (0-9).");

    public static IRuleBuilderOptions<T, string?> ContactEmail<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(v => !string.IsNullOrWhiteSpace(v)).WithMessage("Enter a contact email.")
        .Must(v => v is null || (v.Trim().Length <= 254 && Email().IsMatch(v.Trim()))).WithMessage("Enter a valid email address, like name@company.com.")
        .NoCardNumber();

    public static IRuleBuilderOptions<T, string?> Phone<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(IsPhone).WithMessage("Enter a phone number like +234 803 123 4567 or 0803 123 4567.");

    /// <summary>
    /// A number that becomes E.164 (<see cref="NormalizePhone"/>): at most 15 digits. The field is not scanned for card
    /// numbers: one in ten real phone numbers of 13 digits or more passes the Luhn check. The digit limit keeps out the 16
    /// to 19-digit PANs.
    /// </summary>
    public static bool IsPhone(string? value) => value is not null && PhoneNumber().IsMatch(value.Trim()) && E164().IsMatch(NormalizePhone(value) ?? "");

    /// <summary>
    /// The number in E.164 (+2348031234567), as it is stored and shown to reviewers: spaces, dashes and brackets go, a
    /// leading 00 becomes +, and a Nigerian national number (0 and ten digits, 0803 123 4567) gets +234. Anything else is
    /// returned as typed without its separators, for the validator to refuse.
    /// </summary>
    public static string? NormalizePhone(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var compact = new string(value.Where(c => c is not (' ' or '-' or '(' or ')' or '.')).ToArray());
        if (compact.StartsWith("00", StringComparison.Ordinal))
        {
            return "+" + compact[2..];
        }

        return compact.Length == 11 && compact[0] == '0' && AsciiDigits.Are(compact, 11) ? "+234" + compact[1..] : compact;
    }

    public static IRuleBuilderOptions<T, string?> Website<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(v => string.IsNullOrWhiteSpace(v) || (Uri.TryCreate(NormalizeWebsite(v), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.Host.Contains('.', StringComparison.Ordinal)))
        .WithMessage("Enter a web address, like example.com or https://example.com.")
        .NoCardNumber();

    /// <summary>The address with https:// in front when no scheme was typed ("example.com" → "https://example.com").</summary>
    public static string? NormalizeWebsite(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var trimmed = value.Trim();
        return trimmed.Contains("://", StringComparison.Ordinal) ? trimmed : "https://" + trimmed;
    }

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")]
    private static partial Regex Email();

    [GeneratedRegex(@"^(\+|00)?[0-9(][0-9 ()\-.]{5,20}[0-9]$")]
    private static partial Regex PhoneNumber();

    /// <summary>E.164: a plus, a country code that does not start with 0, at most 15 digits in all.</summary>
    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    /// <summary>A NUBAN bank account number: 10 ASCII digits.</summary>
    public static bool IsNuban(string? value) => AsciiDigits.Are(value?.Trim(), 10);
}

/// <summary>POST /api/v1/merchants: the three fields of seed 004, done right.</summary>
public sealed record RegisterMerchantRequest(string? BusinessName, string? CacNumber, string? ContactEmail);

public sealed class RegisterMerchantValidator : AbstractValidator<RegisterMerchantRequest>
{
    public RegisterMerchantValidator()
    {
        RuleFor(r => r.BusinessName).BusinessName();
        RuleFor(r => r.CacNumber).CacNumber();
        RuleFor(r => r.ContactEmail).ContactEmail();
    }
}

/// <summary>The wizard's editable form, one object across all steps (drafts save it whole).</summary>
public sealed class KybForm
{
    public string? BusinessName { get; set; }
    public string? CacNumber { get; set; }
    public BusinessType? BusinessType { get; set; }
    public string? RegisteredAddress { get; set; }
    public string? Website { get; set; }
    public string? Industry { get; set; }
    public string? ContactEmail { get; set; }
    public string? ContactPhone { get; set; }
    public List<OwnerForm> Owners { get; set; } = [];
    public bool AllSignificantOwnersListed { get; set; }
    public string? BankName { get; set; }
    public string? AccountName { get; set; }
    public string? AccountNumber { get; set; }
}

public sealed class OwnerForm
{
    public string? Name { get; set; }
    public DateTime? DateOfBirth { get; set; }
    public string? Nationality { get; set; }
    public decimal? OwnershipPercent { get; set; }
}

public enum KybStep
{
    Business,
    Contact,
    Owners,
    Settlement,
}

public sealed class BusinessStepValidator : AbstractValidator<KybForm>
{
    public BusinessStepValidator()
    {
        RuleFor(f => f.BusinessName).BusinessName();
        RuleFor(f => f.CacNumber).CacNumber();
        RuleFor(f => f.BusinessType).NotNull().WithMessage("Choose the business type.");
        RuleFor(f => f.RegisteredAddress).Must(v => v is not null && v.Trim().Length is >= 5 and <= 200).WithMessage("Enter the registered address (5 to 200 characters).")
            .NoCardNumber();
        RuleFor(f => f.Website).Website();
        RuleFor(f => f.Industry).Must(v => v is not null && MerchantRules.Industries.Contains(v)).WithMessage("Choose an industry.");
    }
}

public sealed class ContactStepValidator : AbstractValidator<KybForm>
{
    public ContactStepValidator()
    {
        RuleFor(f => f.ContactEmail).ContactEmail();
        RuleFor(f => f.ContactPhone).Phone();
    }
}

public sealed class OwnerValidator : AbstractValidator<OwnerForm>
{
    public OwnerValidator(TimeProvider clock)
    {
        RuleFor(o => o.Name).Must(v => v is not null && v.Trim().Length is >= 2 and <= 100).WithMessage("Enter the owner's full name.").NoCardNumber();
        RuleFor(o => o.DateOfBirth).NotNull().WithMessage("Enter the date of birth.")
            .Must(d => d is null || (d.Value.Date <= clock.GetUtcNow().Date.AddYears(-18) && d.Value.Date >= clock.GetUtcNow().Date.AddYears(-120)))
            .WithMessage("Owners must be at least 18 years old.");
        RuleFor(o => o.Nationality).Must(v => v is not null && v.Trim().Length is >= 2 and <= 60).WithMessage("Enter the nationality.").NoCardNumber();
        RuleFor(o => o.OwnershipPercent).NotNull().WithMessage("Enter the ownership share.")
            .Must(p => p is null || (p > 0 && p <= 100)).WithMessage("Ownership is more than 0% and at most 100%.");
    }
}

public sealed class OwnersStepValidator : AbstractValidator<KybForm>
{
    public OwnersStepValidator(TimeProvider clock)
    {
        RuleFor(f => f.Owners).NotEmpty().WithMessage("Add at least one beneficial owner.");
        RuleForEach(f => f.Owners).SetValidator(new OwnerValidator(clock));
        RuleFor(f => f.Owners).Must(o => o.Sum(x => x.OwnershipPercent ?? 0) <= 100).WithMessage("Ownership shares add up to more than 100%.");
        RuleFor(f => f.AllSignificantOwnersListed).Equal(true).WithMessage("Confirm that every person owning 25% or more is listed.");
    }
}

public sealed class SettlementStepValidator : AbstractValidator<KybForm>
{
    public SettlementStepValidator()
    {
        RuleFor(f => f.BankName).Must(v => v is not null && v.Trim().Length is >= 2 and <= 80).WithMessage("Enter the bank's name.").NoCardNumber();
        RuleFor(f => f.AccountName).Must(v => v is not null && v.Trim().Length is >= 2 and <= 120).WithMessage("Enter the account name.").NoCardNumber();
        RuleFor(f => f.AccountNumber).Must(MerchantRules.IsNuban).WithMessage("The account number is the 10-digit NUBAN (0-9).");
    }
}

/// <summary>
/// What a draft must satisfy in every field, complete or not: a draft is stored whole (owners, contact and bank details
/// included), so no field of it may hold a card number even before its step is validated.
/// </summary>
public sealed class KybDraftValidator : AbstractValidator<KybForm>
{
    public KybDraftValidator()
    {
        RuleFor(f => f.BusinessName).NoCardNumber();
        RuleFor(f => f.RegisteredAddress).NoCardNumber();
        RuleFor(f => f.Website).NoCardNumber();
        RuleFor(f => f.Industry).NoCardNumber();
        RuleFor(f => f.ContactEmail).NoCardNumber();
        RuleFor(f => f.ContactPhone).Must(v => string.IsNullOrWhiteSpace(v) || MerchantRules.IsPhone(v) || CardNumberRules.IsClean(v)).WithMessage(CardNumberRules.Message);
        RuleForEach(f => f.Owners).ChildRules(owner =>
        {
            owner.RuleFor(o => o.Name).NoCardNumber();
            owner.RuleFor(o => o.Nationality).NoCardNumber();
        });
        RuleFor(f => f.BankName).NoCardNumber();
        RuleFor(f => f.AccountName).NoCardNumber();
        RuleFor(f => f.AccountNumber).Must(v => string.IsNullOrWhiteSpace(v) || MerchantRules.IsNuban(v) || CardNumberRules.IsClean(v)).WithMessage(CardNumberRules.Message);
    }
}

/// <summary>All four steps, for submission (and the API's view of a complete application).</summary>
public sealed class KybFormValidator
{
    public KybFormValidator(TimeProvider clock)
    {
        Steps = new Dictionary<KybStep, IValidator<KybForm>>
        {
            [KybStep.Business] = new BusinessStepValidator(),
            [KybStep.Contact] = new ContactStepValidator(),
            [KybStep.Owners] = new OwnersStepValidator(clock),
            [KybStep.Settlement] = new SettlementStepValidator(),
        };
    }

    public IReadOnlyDictionary<KybStep, IValidator<KybForm>> Steps { get; }

    public KybStep? FirstIncompleteStep(KybForm form) =>
        Steps.Where(s => !s.Value.Validate(form).IsValid).Select(s => (KybStep?)s.Key).FirstOrDefault();
}
