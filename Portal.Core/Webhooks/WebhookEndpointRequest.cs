using FluentValidation;
using Portal.Core.Payments;
using Portal.Core.Security;

namespace Portal.Core.Webhooks;

/// <summary>A new endpoint as the API and the Developers page send it.</summary>
public sealed class WebhookEndpointRequest
{
    public string? Url { get; set; }

    /// <summary>Event types from <see cref="PaymentEventTypes.All"/>, or <c>*</c> alone for every type.</summary>
    public IReadOnlyList<string>? EnabledEvents { get; set; }

    public string? Description { get; set; }

    public bool Enabled { get; set; } = true;
}

/// <summary>The rules for a new endpoint, written once: the API and the add dialog use the same instance.</summary>
public sealed class WebhookEndpointRequestValidator : AbstractValidator<WebhookEndpointRequest>
{
    public const int MaxDescription = 200;

    public WebhookEndpointRequestValidator(WebhookUrlPolicy urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        RuleFor(r => r.Url).Custom((url, context) =>
        {
            if (urls.CheckFormat(url) is { } problem)
            {
                context.AddFailure(problem);
            }
        });
        RuleFor(r => r.EnabledEvents)
            .Must(e => e is { Count: > 0 }).WithMessage("Choose at least one event type, or * for all.")
            .Must(e => e is null || e.All(t => t == WebhookEndpoint.AllEvents || PaymentEventTypes.All.Contains(t)))
            .WithMessage("Event types must be * or one of: " + string.Join(", ", PaymentEventTypes.All) + ".");
        RuleFor(r => r.Description)
            .Must(d => d is null || d.Trim().Length <= MaxDescription).WithMessage($"The description must be at most {MaxDescription} characters.")
            .NoCardNumber();
        RuleFor(r => r.Url).NoCardNumber();
    }
}
