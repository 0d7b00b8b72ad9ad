using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Configuration;

namespace Portal.Tests.Unit.Configuration;

public sealed class PortalOptionsTests
{
    private static OptionsValidationException? Validate(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddPortalCore();
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<PortalOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return ex;
        }
    }

    [Fact]
    public void Embedded_mode_with_a_data_path_is_valid() =>
        Validate(new() { ["Portal:Mode"] = "Embedded", ["Portal:DataPath"] = "data" }).ShouldBeNull();

    [Fact]
    public void An_empty_data_path_is_refused_with_a_clear_message() =>
        Validate(new() { ["Portal:DataPath"] = "" })!.Message.ShouldContain("Portal:DataPath");

    [Fact]
    public void Aws_mode_is_refused_until_its_adapters_exist() =>
        Validate(new() { ["Portal:Mode"] = "Aws" })!.Message.ShouldContain("Portal:Mode=Aws");

    [Fact]
    public void A_short_demo_password_is_refused() =>
        Validate(new() { ["Portal:DemoPassword"] = "short" })!.Message.ShouldContain("DemoPassword");

    /// <summary>The KYC options as the portal binds and validates them from <paramref name="settings"/>.</summary>
    private static Portal.Core.Kyc.KycOptions KycOptions(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddPortalCore();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<Portal.Core.Kyc.KycOptions>>().Value;
    }

    [Fact]
    public void A_kyc_sla_warning_at_or_past_the_breach_is_refused() =>
        Should.Throw<OptionsValidationException>(() => KycOptions(new() { ["Kyc:SlaWarningHours"] = "48", ["Kyc:SlaBreachHours"] = "24" }))
            .Message.ShouldContain("Kyc:SlaWarningHours");

    [Fact]
    public void Configured_kyc_documents_replace_the_default_for_their_business_type_and_leave_the_others()
    {
        var options = KycOptions(new()
        {
            ["Kyc:RequiredDocuments:SoleProprietorship:0"] = "BankStatement",
            ["Kyc:RequiredDocuments:SoleProprietorship:1"] = "BankStatement",
        });

        options.RequiredFor(Portal.Core.Merchants.BusinessType.SoleProprietorship).ShouldBe([Portal.Core.Kyc.DocumentType.BankStatement]);
        options.RequiredFor(Portal.Core.Merchants.BusinessType.Partnership)
            .ShouldBe(Portal.Core.Kyc.KycOptions.DefaultRequiredDocuments[Portal.Core.Merchants.BusinessType.Partnership]);
        options.RequiredFor(null).Count.ShouldBe(Enum.GetValues<Portal.Core.Kyc.DocumentType>().Length);
    }

    [Fact]
    public void An_unknown_mode_stops_binding()
    {
        var ex = Should.Throw<InvalidOperationException>(() => Validate(new() { ["Portal:Mode"] = "Mainframe" }));
        ex.Message.ShouldContain("Mainframe");
    }
}
