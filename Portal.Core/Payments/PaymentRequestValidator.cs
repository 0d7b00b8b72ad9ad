using System.Net;
using FluentValidation;
using Microsoft.Extensions.Options;
using Portal.Core.Security;

namespace Portal.Core.Payments;

/// <summary>A payment as a client asks for it. <see cref="PaymentMethod"/> is a token such as <c>pm_card_visa</c>.</summary>
public sealed record PaymentRequest(
    long Amount,
    string? Currency,
    string? CustomerId,
    string? PaymentMethod,
    string? OrderId = null,
    string? DeviceId = null,
    string? IpAddress = null,
    string? Country = null,
    IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>The one set of payment rules, used by the API and the service. Property names are reported in snake_case.</summary>
public sealed partial class PaymentRequestValidator : AbstractValidator<PaymentRequest>
{
    public const int MaxMetadataKeys = 20;

    public PaymentRequestValidator(IOptions<PaymentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        RuleFor(r => r.Amount).InclusiveBetween(1, o.MaxAmount).OverridePropertyName("amount")
            .WithMessage($"amount must be a whole number of minor units between 1 and {o.MaxAmount}.");
        RuleFor(r => r.Currency).Must(c => c is not null && o.Currencies.Contains(c, StringComparer.Ordinal)).OverridePropertyName("currency")
            .WithMessage("currency must be one of: " + string.Join(", ", o.Currencies) + ".");
        RuleFor(r => r.CustomerId).NotEmpty().MaximumLength(64).Matches(IdPattern()).OverridePropertyName("customer_id")
            .WithMessage("customer_id is required: 1 to 64 letters, digits, '_', '-', '.' or ':'.");
        RuleFor(r => r.CustomerId).NoCardNumber().OverridePropertyName("customer_id");
        RuleFor(r => r.PaymentMethod).NoCardNumber().OverridePropertyName("payment_method");
        RuleFor(r => r.OrderId).NoCardNumber().OverridePropertyName("order_id");
        RuleFor(r => r.DeviceId).NoCardNumber().OverridePropertyName("device_id");
        RuleFor(r => r.Metadata).NoCardNumbers().OverridePropertyName("metadata");
        RuleFor(r => r.PaymentMethod).NotEmpty().Matches(TokenPattern()).OverridePropertyName("payment_method")
            .WithMessage("payment_method must be a payment method token such as pm_card_visa (never card details).");
        RuleFor(r => r.OrderId).MaximumLength(64).Matches(IdPattern()).When(r => r.OrderId is not null).OverridePropertyName("order_id")
            .WithMessage("order_id: 1 to 64 letters, digits, '_', '-', '.' or ':'.");
        RuleFor(r => r.DeviceId).MaximumLength(128).Matches(IdPattern()).When(r => r.DeviceId is not null).OverridePropertyName("device_id")
            .WithMessage("device_id: 1 to 128 letters, digits, '_', '-', '.' or ':'.");
        RuleFor(r => r.IpAddress).Must(IsIpAddress).When(r => r.IpAddress is not null).OverridePropertyName("ip_address")
            .WithMessage("ip_address must be an IPv4 or IPv6 address.");
        RuleFor(r => r.Country).Matches(CountryPattern()).When(r => r.Country is not null).OverridePropertyName("country")
            .WithMessage("country must be a two-letter ISO 3166 code in capitals, such as NG or GB.");
        RuleFor(r => r.Metadata).Must(m => m!.Count <= MaxMetadataKeys && m.All(kv => kv.Key.Length is > 0 and <= 40 && kv.Value is not null && kv.Value.Length <= 500))
            .When(r => r.Metadata is not null).OverridePropertyName("metadata")
            .WithMessage($"metadata: at most {MaxMetadataKeys} keys of up to 40 characters, values up to 500 characters.");
    }

    /// <summary>Dotted-quad IPv4 or IPv6 only: IPAddress.TryParse alone also takes legacy forms such as "1.2.3".</summary>
    private static bool IsIpAddress(string? value) =>
        IPAddress.TryParse(value, out var address)
        && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || value!.Count(c => c == '.') == 3);

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_.:-]{1,128}$")]
    private static partial System.Text.RegularExpressions.Regex IdPattern();

    [System.Text.RegularExpressions.GeneratedRegex("^(pm|tok|src)_[A-Za-z0-9_]{1,100}$")]
    private static partial System.Text.RegularExpressions.Regex TokenPattern();

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Z]{2}$")]
    private static partial System.Text.RegularExpressions.Regex CountryPattern();
}
