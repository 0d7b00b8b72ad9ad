using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Core.Merchants;

namespace Portal.Components.Onboarding;

/// <summary>A wizard step: a MudForm over the shared <see cref="KybForm"/>, validated field by field with the API's validators.</summary>
public abstract class KybStepBase : ComponentBase
{
    protected MudForm Form { get; set; } = default!;

    [Parameter, EditorRequired]
    public KybForm Model { get; set; } = default!;

    [Parameter, EditorRequired]
    public FluentValueValidator Validator { get; set; } = default!;

    /// <summary>Raised when the user changes a value, so the wizard can keep the draft (and its error summary) current.</summary>
    [Parameter]
    public EventCallback OnEdited { get; set; }

    public async Task<bool> ValidateAsync()
    {
        await Form.ValidateAsync();
        return Form.IsValid;
    }

    protected Task FieldChangedAsync(MudBlazor.Utilities.FormFieldChangedEventArgs _) => OnEdited.InvokeAsync();
}
