using System.ComponentModel.DataAnnotations;
using Portal.Core.Adapters.Stripe;

namespace Portal.Tests.Unit.Payments;

public sealed class StripeOptionsTests
{
    private static List<ValidationResult> Validate(StripeOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Secret_and_restricted_keys_with_a_signing_secret_are_valid()
    {
        Validate(new StripeOptions { SecretKey = "sk_test_51Abc", WebhookSecret = "whsec_abc" }).ShouldBeEmpty();
        Validate(new StripeOptions { SecretKey = "rk_live_51Abc", WebhookSecret = "whsec_abc", ApiBase = "http://localhost:12111" }).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("", "whsec_abc", "SecretKey")]
    [InlineData("pk_live_51PublishableByMistake", "whsec_abc", "SecretKey")]
    [InlineData("sk_test_51Abc", "", "WebhookSecret")]
    [InlineData("sk_test_51Abc", "sk_test_51WrongField", "WebhookSecret")]
    public void A_missing_or_wrong_kind_of_key_fails_naming_the_setting_but_not_its_value(string secretKey, string webhookSecret, string field)
    {
        var failures = Validate(new StripeOptions { SecretKey = secretKey, WebhookSecret = webhookSecret });

        var failure = failures.ShouldHaveSingleItem();
        failure.MemberNames.ShouldBe([field]);
        failure.ErrorMessage.ShouldNotBeNull();
        if (secretKey.Length > 0)
        {
            failure.ErrorMessage.ShouldNotContain(secretKey);
        }

        if (webhookSecret.Length > 0)
        {
            failure.ErrorMessage.ShouldNotContain(webhookSecret);
        }
    }
}
