using FluentValidation;
using Portal.Core.Security;

namespace Portal.Core.Disputes;

/// <summary>
/// The evidence's rules, shared by the API and the case page's form: lengths within the processor's limits, an email that
/// looks like one, a service date as <c>yyyy-MM-dd</c> (ASCII digits), and no card number in any field. Property names are
/// the wire names (<c>customer_email_address</c>), so a 400 names the field the client sent.
/// </summary>
public sealed class EvidenceValidator : AbstractValidator<DisputeEvidence>
{
    public const int MaxFieldLength = 5_000;
    public const int MaxExplanationLength = 20_000;

    public EvidenceValidator()
    {
        Short(e => e.ProductDescription, "product_description");
        Short(e => e.CustomerName, "customer_name");
        Short(e => e.CustomerEmailAddress, "customer_email_address")
            .Must(v => v is null || (v.Contains('@', StringComparison.Ordinal) && !v.Any(char.IsWhiteSpace) && v.Length <= 254))
            .WithMessage("customer_email_address must be an email address such as name@example.com.");
        Short(e => e.BillingAddress, "billing_address");
        Short(e => e.ServiceDate, "service_date")
            .Must(v => v is null || IsIsoDate(v)).WithMessage("service_date must be a date as yyyy-MM-dd, for example 2026-11-30.");
        Short(e => e.ShippingCarrier, "shipping_carrier");
        Short(e => e.ShippingTrackingNumber, "shipping_tracking_number");
        Short(e => e.RefundPolicyDisclosure, "refund_policy_disclosure");
        Short(e => e.CancellationRebuttal, "cancellation_rebuttal");
        RuleFor(e => e.Explanation)
            .MaximumLength(MaxExplanationLength).WithMessage($"explanation must be at most {MaxExplanationLength} characters.")
            .NoCardNumber()
            .OverridePropertyName("explanation");
    }

    private IRuleBuilderOptions<DisputeEvidence, string?> Short(System.Linq.Expressions.Expression<Func<DisputeEvidence, string?>> field, string name) =>
        RuleFor(field)
            .MaximumLength(MaxFieldLength).WithMessage($"{name} must be at most {MaxFieldLength} characters.")
            .NoCardNumber()
            .OverridePropertyName(name);

    internal static bool IsIsoDate(string value) =>
        value.Length == 10 && value[4] == '-' && value[7] == '-'
        && value.Where((c, i) => i is not (4 or 7)).All(char.IsAsciiDigit)
        && DateOnly.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);
}
