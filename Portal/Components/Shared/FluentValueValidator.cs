using FluentValidation;

namespace Portal.Components.Shared;

/// <summary>
/// Lets a MudForm validate each field as the user types with the same FluentValidation validators the API uses.
/// MudBlazor calls <see cref="ValidateValue"/> with the object that owns the field (the form or a nested owner).
/// </summary>
public sealed class FluentValueValidator(params IValidator[] validators)
{
    public Func<object, string, Task<IEnumerable<string>>> ValidateValue => async (model, propertyName) =>
    {
        var property = propertyName[(propertyName.LastIndexOf('.') + 1)..];
        var errors = new List<string>();
        foreach (var validator in validators.Where(v => v.CanValidateInstancesOfType(model.GetType())))
        {
            var context = new ValidationContext<object>(model, new FluentValidation.Internal.PropertyChain(),
                new FluentValidation.Internal.MemberNameValidatorSelector([property]));
            var result = await validator.ValidateAsync(context);
            errors.AddRange(result.Errors.Select(e => e.ErrorMessage));
        }

        return errors.Distinct();
    };
}
