using Microsoft.AspNetCore.Components.Authorization;
using Portal.Auth;

namespace Portal.Components;

/// <summary>Per-circuit facts that the HTTP request knew: the client IP, for the audit trail.</summary>
public sealed class CircuitClient(AuthenticationStateProvider authenticationState)
{
    public string? SourceIp { get; set; }

    /// <summary>The signed-in user as an actor for Core use cases.</summary>
    public async Task<Core.Actor> ActorAsync()
    {
        var state = await authenticationState.GetAuthenticationStateAsync();
        return state.User.ToActor(SourceIp);
    }
}
