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
}
