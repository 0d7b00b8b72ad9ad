using Portal.Core.Merchants;

namespace Portal.Tests.Unit.Merchants;

public sealed class MerchantRulesTests
{
    private static readonly BusinessStepValidator Business = new();
    private static readonly SettlementStepValidator Settlement = new();

    private static KybForm Form(string cac = "123456", string account = "0123456789") => new()
    {
        BusinessName = "Ada Stores", CacNumber = cac, BusinessType = BusinessType.LimitedLiabilityCompany, RegisteredAddress = "1 Marina, Lagos",
        Industry = "Retail", BankName = "Bank", AccountName = "Ada Stores", AccountNumber = account,
    };

    [Theory]
    [InlineData("１２３４５６")] // fullwidth
    [InlineData("١٢٣٤٥٦")] // Arabic-Indic
    [InlineData("۱۲۳۴۵۶")] // Extended Arabic-Indic
    [InlineData("१२३४५६")] // Devanagari
    [InlineData("12345٦")] // one foreign digit
    [InlineData("+12345")]
    [InlineData("12 345")]
    public void Cac_number_takes_ascii_digits_only(string cac)
    {
        var result = Business.Validate(Form(cac: cac));

        result.Errors.ShouldContain(e => e.PropertyName == nameof(KybForm.CacNumber));
        new RegisterMerchantValidator().Validate(new RegisterMerchantRequest("Ada", cac, "a@b.co")).Errors.ShouldContain(e => e.PropertyName == "CacNumber");
    }

    [Theory]
    [InlineData("０１２３４５６７８９")]
    [InlineData("٠١٢٣٤٥٦٧٨٩")]
    [InlineData("०१२३४५६७८९")]
    [InlineData("012345678９")]
    public void Nuban_takes_ascii_digits_only(string account) =>
        Settlement.Validate(Form(account: account)).Errors.ShouldContain(e => e.PropertyName == nameof(KybForm.AccountNumber));

    [Fact]
    public void Ascii_cac_and_nuban_pass()
    {
        Business.Validate(Form()).Errors.ShouldNotContain(e => e.PropertyName == nameof(KybForm.CacNumber));
        Settlement.Validate(Form()).IsValid.ShouldBeTrue();
    }

    [Theory]
    [InlineData("0803 123 4567", "+2348031234567")] // the Nigerian national habit
    [InlineData("0803-123-4567", "+2348031234567")]
    [InlineData("+234 (803) 123 4567", "+2348031234567")]
    [InlineData("00234 803 123 4567", "+2348031234567")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    public void Phone_numbers_are_stored_in_e164(string typed, string stored)
    {
        MerchantRules.IsPhone(typed).ShouldBeTrue(typed);
        MerchantRules.NormalizePhone(typed).ShouldBe(stored);
    }

    [Theory]
    [InlineData("803 123 4567")] // no country: neither national nor international
    [InlineData("+0803 123 4567")] // no country code starts with 0
    [InlineData("+234 803 123 4567 8901")] // over 15 digits
    [InlineData("+234 ８０３ 123 4567")] // fullwidth digits
    [InlineData("call me")]
    public void Numbers_that_are_not_e164_are_refused(string typed) => MerchantRules.IsPhone(typed).ShouldBeFalse(typed);

    [Theory]
    [InlineData("example.com", "https://example.com")]
    [InlineData("  shop.example.ng/about ", "https://shop.example.ng/about")]
    [InlineData("http://example.com", "http://example.com")]
    [InlineData("https://example.com", "https://example.com")]
    public void A_website_without_a_scheme_gets_https(string typed, string stored)
    {
        MerchantRules.NormalizeWebsite(typed).ShouldBe(stored);
        var form = Form();
        form.Website = typed;
        Business.Validate(form).Errors.ShouldNotContain(e => e.PropertyName == nameof(KybForm.Website));
    }

    [Fact]
    public void A_website_that_is_not_an_address_is_still_refused()
    {
        var form = Form();
        form.Website = "not a site";
        Business.Validate(form).Errors.ShouldContain(e => e.PropertyName == nameof(KybForm.Website));
    }
}
