using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Components.Onboarding;
using Portal.Core.Merchants;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Onboarding;

/// <summary>
/// The KYB wizard over the real services: each step is checked with the validator Submit uses before it can be left, the
/// Documents step needs its documents, the step lives in the address, and typing saves the draft by itself.
/// </summary>
public sealed class KybWizardTests : MerchantScreensContext
{
    /// <summary>Saves <paramref name="form"/> as the merchant's draft and opens the wizard on it, as the Onboarding page does.</summary>
    private async Task<IRenderedComponent<KybWizard>> OpenAsync(KybForm form)
    {
        var draft = await Merchants.SaveDraftAsync(Merchant, form, null, Ct);
        draft.Succeeded.ShouldBeTrue(draft.Error?.Message);
        Render<MudPopoverProvider>();
        return Render<KybWizard>(p => p.Add(c => c.Form, form).Add(c => c.Version, draft.Value!.Version));
    }

    private static string Title(IRenderedComponent<KybWizard> wizard) => wizard.Find("[data-testid=step-title]").TextContent;

    private static KybForm WithOwners(params OwnerForm[] owners)
    {
        var form = KybForms.Complete("271828");
        form.Owners = [.. owners];
        return form;
    }

    private DateTime AgedYears(int years) => Bed.Clock.GetUtcNow().UtcDateTime.Date.AddYears(-years);

    [Fact]
    public async Task The_owners_step_is_not_left_with_an_under_age_owner_and_shares_over_100()
    {
        var wizard = await OpenAsync(WithOwners(
            new OwnerForm { Name = "Chidi Okafor", DateOfBirth = AgedYears(14), Nationality = "Nigerian", OwnershipPercent = 60 },
            new OwnerForm { Name = "Ngozi Okafor", DateOfBirth = AgedYears(40), Nationality = "Nigerian", OwnershipPercent = 55 }));
        Title(wizard).ShouldBe("Beneficial owners");

        await wizard.InvokeAsync(() => wizard.Find("[data-testid=next]").Click());

        wizard.WaitForAssertion(() => wizard.Find("[data-testid=step-errors]").TextContent.ShouldContain("Ownership shares add up to more than 100%."), Wait);
        Title(wizard).ShouldBe("Beneficial owners");
        wizard.Find("[data-testid=step-errors]").TextContent.ShouldContain("Owners must be at least 18 years old.");
    }

    [Fact]
    public async Task An_empty_owner_card_says_what_each_field_needs()
    {
        var wizard = await OpenAsync(WithOwners(new OwnerForm()));

        await wizard.InvokeAsync(() => wizard.Find("[data-testid=next]").Click());

        wizard.WaitForAssertion(() => wizard.Find("[data-testid=step-errors]").TextContent.ShouldContain("Enter the owner's full name."), Wait);
        wizard.Find("[data-testid=step-errors]").TextContent.ShouldContain("Enter the date of birth.");
        Title(wizard).ShouldBe("Beneficial owners");
    }

    [Fact]
    public async Task A_date_of_birth_is_typed_day_first_and_anything_else_is_told_the_format()
    {
        var form = WithOwners(new OwnerForm { Name = "Chidi Okafor", Nationality = "Nigerian", OwnershipPercent = 100 });
        var wizard = await OpenAsync(form);
        var dateOfBirth = () => wizard.Find("input[placeholder='DD/MM/YYYY']");

        await wizard.InvokeAsync(() => dateOfBirth().Change("12/04/1985"));
        wizard.WaitForAssertion(() => form.Owners[0].DateOfBirth.ShouldBe(new DateTime(1985, 4, 12)), Wait);

        await wizard.InvokeAsync(() => dateOfBirth().Change("April 12th"));
        wizard.WaitForAssertion(() => wizard.Markup.ShouldContain(DateOfBirthConverter.FormatMessage), Wait);
        wizard.Markup.ShouldNotContain("Not a valid date time");
    }

    [Fact]
    public async Task The_documents_step_is_not_left_while_documents_are_missing_and_its_banner_follows_the_uploads()
    {
        var wizard = await OpenAsync(KybForms.Complete("161803", businessType: BusinessType.SoleProprietorship, ownership: 100));
        // Every form step is complete, so the wizard resumes at the documents still missing.
        Title(wizard).ShouldBe("Documents");
        wizard.WaitForElement("[data-testid=still-needed]", Wait);

        await wizard.InvokeAsync(() => wizard.Find("[data-testid=next]").Click());
        wizard.WaitForAssertion(() => wizard.Find("[data-testid=step-errors]").TextContent.ShouldContain("Upload the documents still needed"), Wait);
        Title(wizard).ShouldBe("Documents");

        var files = await OneFilePerRequirementAsync();
        await wizard.InvokeAsync(() => wizard.FindComponent<InputFile>().UploadFiles(files));
        await wizard.InvokeAsync(() => wizard.Find("[data-testid=upload-all]").Click());

        wizard.WaitForAssertion(() => wizard.FindAll("[data-testid=still-needed]").ShouldBeEmpty(), Wait);
        wizard.FindAll("[data-testid=step-errors]").ShouldBeEmpty();
        // One toast for the batch, not one per file.
        Services.GetRequiredService<ISnackbar>().ShownSnackbars.Count().ShouldBe(1);
        await wizard.InvokeAsync(() => wizard.Find("[data-testid=next]").Click());
        wizard.WaitForAssertion(() => Title(wizard).ShouldBe("Review and submit"), Wait);
    }

    [Fact]
    public async Task The_step_lives_in_the_address_so_the_browser_Back_returns_to_the_previous_step()
    {
        var wizard = await OpenAsync(WithOwners(new OwnerForm()));
        var navigation = Services.GetRequiredService<NavigationManager>();

        await wizard.InvokeAsync(() => wizard.Find("[data-testid=back]").Click());
        wizard.WaitForAssertion(() => Title(wizard).ShouldBe("Contact"), Wait);
        navigation.Uri.ShouldEndWith("/onboarding?step=contact");

        // The browser's Back and Forward change the address; the wizard follows, but never past the furthest valid step.
        await wizard.InvokeAsync(() => navigation.NavigateTo("/onboarding?step=owners"));
        wizard.WaitForAssertion(() => Title(wizard).ShouldBe("Beneficial owners"), Wait);
        await wizard.InvokeAsync(() => navigation.NavigateTo("/onboarding?step=review"));
        wizard.WaitForAssertion(() => Title(wizard).ShouldBe("Beneficial owners"), Wait);
    }

    [Fact]
    public async Task A_reload_opens_the_step_in_the_address_with_what_was_typed_saved()
    {
        var form = WithOwners(new OwnerForm());
        var wizard = await OpenAsync(form);
        var navigation = Services.GetRequiredService<NavigationManager>();
        await wizard.InvokeAsync(() => wizard.Find("[data-testid=back]").Click());
        wizard.WaitForAssertion(() => Title(wizard).ShouldBe("Contact"), Wait);

        await wizard.InvokeAsync(() => wizard.Find("input[type=email]").Input("new@shop.example"));
        // The draft saves itself once typing pauses.
        wizard.WaitForAssertion(() =>
        {
            Bed.Clock.Advance(KybWizard.AutosaveDelay);
            wizard.FindAll("[data-testid=saved-at]").ShouldNotBeEmpty();
        }, Wait);

        var stored = await Merchants.GetOwnAsync(Merchant, Ct);
        MerchantService.ToForm(stored!).ContactEmail.ShouldBe("new@shop.example");
        navigation.Uri.ShouldEndWith("?step=contact");
        var reloaded = Render<KybWizard>(p => p.Add(c => c.Form, MerchantService.ToForm(stored!)).Add(c => c.Version, stored!.Version));
        Title(reloaded).ShouldBe("Contact");
    }
}
