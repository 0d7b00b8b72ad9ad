using FluentValidation;

namespace Portal.Core.Security;

/// <summary>The one rule every stored free-text field carries: no card number, however spelled (see <see cref="CardNumberDetector"/>).</summary>
public static class CardNumberRules
{
    /// <summary>Names the field, never the value: the number must not be echoed, logged or stored.</summary>
    public const string Message = "This looks like a card number. Card numbers are never accepted or stored: remove it (payments take a payment method token).";

    public static IRuleBuilderOptions<T, string?> NoCardNumber<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(v => v is null || !CardNumberDetector.ContainsCardNumber(v)).WithMessage(Message);

    /// <summary>Keys and values of a metadata map.</summary>
    public static IRuleBuilderOptions<T, IReadOnlyDictionary<string, string>?> NoCardNumbers<T>(this IRuleBuilder<T, IReadOnlyDictionary<string, string>?> rule) =>
        rule.Must(m => m is null || m.All(kv => !CardNumberDetector.ContainsCardNumber(kv.Key) && (kv.Value is null || !CardNumberDetector.ContainsCardNumber(kv.Value))))
            .WithMessage(Message);

    /// <summary>For checks outside a validator (notes and reasons passed straight to a service).</summary>
    public static bool IsClean(string? value) => value is null || !CardNumberDetector.ContainsCardNumber(value);
}
