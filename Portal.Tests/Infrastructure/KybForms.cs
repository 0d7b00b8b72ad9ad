using Portal.Core;
using Portal.Core.Merchants;

namespace Portal.Tests.Infrastructure;

/// <summary>A KYB form that passes every step's validation, for tests that need a submitted or approved merchant.</summary>
public static class KybForms
{
    public static KybForm Complete(string cac = "314159", string businessName = "Lagos Crafts Ltd",
        BusinessType businessType = BusinessType.LimitedLiabilityCompany, decimal ownership = 60) => new()
    {
        BusinessName = businessName,
        CacNumber = cac,
        BusinessType = businessType,
        RegisteredAddress = "14 Admiralty Way, Lagos",
        Website = "https://lagoscrafts.example",
        Industry = "Retail",
        ContactEmail = "Hello@LagosCrafts.example",
        ContactPhone = "+234 803 123 4567",
        Owners = [new OwnerForm { Name = "Adaeze Okafor", DateOfBirth = new DateTime(1984, 3, 9, 0, 0, 0, DateTimeKind.Utc), Nationality = "Nigerian", OwnershipPercent = ownership }],
        AllSignificantOwnersListed = true,
        BankName = "Zenith Bank",
        AccountName = businessName,
        AccountNumber = "0123456789",
    };

    /// <summary>
    /// Takes <paramref name="merchant"/> (a merchant user with a fresh merchant id) through KYB to approval by
    /// <paramref name="admin"/>, as payments need; returns the actor with the approved merchant's id.
    /// </summary>
    public static async Task<Actor> ApprovedAsync(MerchantService merchants, Actor merchant, Actor admin, string cac, string businessName = "Lagos Crafts Ltd")
    {
        var form = Complete(cac, businessName);
        var draft = await merchants.SaveDraftAsync(merchant, form, null);
        var submitted = await merchants.SubmitAsync(merchant, form, draft.Value!.Version);
        var approved = await merchants.ReviewAsync(admin, submitted.Value!.Id, ReviewDecision.Approve, null, submitted.Value.Version);
        Assert.True(approved.Succeeded, approved.Error?.Message);
        return merchant with { MerchantId = approved.Value!.Id };
    }
}
