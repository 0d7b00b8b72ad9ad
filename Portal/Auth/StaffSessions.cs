using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Portal.Auth;

/// <summary>Section <c>Auth</c>: how long a staff session lasts (PCI DSS 8.2.8: re-authenticate after 15 minutes idle).</summary>
public sealed class StaffSessionOptions
{
    /// <summary>An Admin or Compliance session ends after this many minutes without a request or user input.</summary>
    [Range(1, 240)]
    public int StaffIdleMinutes { get; set; } = 15;

    /// <summary>An Admin or Compliance session ends this many hours after sign-in, however active.</summary>
    [Range(1, 24)]
    public int StaffAbsoluteHours { get; set; } = 8;
}

/// <summary>
/// Staff sessions end after <see cref="StaffSessionOptions.StaffIdleMinutes"/> idle and <see cref="StaffSessionOptions.StaffAbsoluteHours"/>
/// after sign-in, for the cookie and the live circuit alike; merchants keep the normal sliding cookie.
/// Each staff sign-in gets a session id (a claim, so a circuit knows it too). Activity is the session's authenticated
/// requests, including the throttled ping portal.js sends on user input while a page is open (a circuit's own traffic,
/// such as a live monitor's updates, is not activity). The last activity is kept here and, within a minute, in the cookie,
/// so a restart keeps idle sessions ended.
/// </summary>
internal sealed class StaffSessions(TimeProvider clock, IOptions<StaffSessionOptions> options)
{
    public const string SessionClaim = "portal_sid";
    private const string StartedItem = ".portal.started";
    private const string SeenItem = ".portal.seen";

    // A cookie carries the last activity to within this much: renewing it on every request would set it on every response.
    private static readonly TimeSpan CookieSeenResolution = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private DateTimeOffset _lastSweep;

    private TimeSpan Idle => TimeSpan.FromMinutes(options.Value.StaffIdleMinutes);

    private TimeSpan Absolute => TimeSpan.FromHours(options.Value.StaffAbsoluteHours);

    public static bool IsStaff(ClaimsPrincipal? principal) =>
        principal is not null && (principal.IsInRole(PortalRoles.Admin) || principal.IsInRole(PortalRoles.Compliance));

    /// <summary>A staff sign-in starts a session: a fresh id in the principal, its start in the cookie.</summary>
    public void Begin(ClaimsPrincipal principal, AuthenticationProperties properties)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(properties);
        if (!IsStaff(principal) || principal.Identity is not ClaimsIdentity identity)
        {
            return;
        }

        foreach (var old in identity.FindAll(SessionClaim).ToList())
        {
            identity.RemoveClaim(old);
        }

        var id = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var now = clock.GetUtcNow();
        identity.AddClaim(new Claim(SessionClaim, id));
        properties.Items[StartedItem] = Format(now);
        properties.Items[SeenItem] = Format(now);
        _sessions[id] = new Session(now, now);
    }

    /// <summary>
    /// Cookie check on each request: false ends the session (idle, past its lifetime, or a staff cookie without a session).
    /// Otherwise records the request as activity, renewing the cookie when its copy of the last activity is stale.
    /// </summary>
    public bool TryContinue(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsStaff(context.Principal))
        {
            return true;
        }

        var id = context.Principal!.FindFirstValue(SessionClaim);
        var started = Parse(context.Properties.GetString(StartedItem));
        if (id is null || started is null)
        {
            return false;
        }

        var seenInCookie = Parse(context.Properties.GetString(SeenItem)) ?? started.Value;
        var lastSeen = _sessions.TryGetValue(id, out var known) && known.LastSeen > seenInCookie ? known.LastSeen : seenInCookie;
        var now = clock.GetUtcNow();
        if (HasEnded(started.Value, lastSeen, now))
        {
            _sessions.TryRemove(id, out _);
            return false;
        }

        _sessions[id] = new Session(started.Value, now);
        if (now - seenInCookie >= CookieSeenResolution)
        {
            context.Properties.Items[SeenItem] = Format(now);
            context.ShouldRenew = true;
        }

        SweepEnded(now);
        return true;
    }

    /// <summary>Circuit check: the session behind a connected staff user is still open (unknown means it ended).</summary>
    public bool IsOpen(ClaimsPrincipal principal)
    {
        if (!IsStaff(principal))
        {
            return true;
        }

        var id = principal.FindFirstValue(SessionClaim);
        if (id is null || !_sessions.TryGetValue(id, out var session))
        {
            return false;
        }

        if (HasEnded(session.Started, session.LastSeen, clock.GetUtcNow()))
        {
            _sessions.TryRemove(id, out _);
            return false;
        }

        return true;
    }

    /// <summary>Sign-out ends the session for its circuits too.</summary>
    public void End(ClaimsPrincipal? principal)
    {
        if (principal?.FindFirstValue(SessionClaim) is { } id)
        {
            _sessions.TryRemove(id, out _);
        }
    }

    /// <summary>The session claim must survive Identity's periodic principal refresh, and so must the second factor.</summary>
    public static void CarryOver(SecurityStampRefreshingPrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.NewPrincipal?.Identity is not ClaimsIdentity fresh || context.CurrentPrincipal is null)
        {
            return;
        }

        foreach (var claim in context.CurrentPrincipal.Claims.Where(c => c.Type is SessionClaim or "amr"))
        {
            if (!fresh.HasClaim(claim.Type, claim.Value))
            {
                fresh.AddClaim(new Claim(claim.Type, claim.Value));
            }
        }
    }

    private bool HasEnded(DateTimeOffset started, DateTimeOffset lastSeen, DateTimeOffset now) => now - lastSeen >= Idle || now - started >= Absolute;

    // Forget sessions nobody came back to, at most once per idle period.
    private void SweepEnded(DateTimeOffset now)
    {
        if (now - _lastSweep < Idle)
        {
            return;
        }

        _lastSweep = now;
        foreach (var (id, session) in _sessions)
        {
            if (HasEnded(session.Started, session.LastSeen, now))
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private static string Format(DateTimeOffset time) => time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset? Parse(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    private sealed record Session(DateTimeOffset Started, DateTimeOffset LastSeen);
}

internal static class StaffSessionsExtensions
{
    public static IServiceCollection AddStaffSessions(this IServiceCollection services)
    {
        services.AddOptions<StaffSessionOptions>().BindConfiguration(PortalAuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StaffSessions>();
        services.AddOptions<SecurityStampValidatorOptions>().PostConfigure(o =>
        {
            var previous = o.OnRefreshingPrincipal;
            o.OnRefreshingPrincipal = async context =>
            {
                if (previous is not null)
                {
                    await previous(context);
                }

                StaffSessions.CarryOver(context);
            };
        });
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme).Configure<StaffSessions>((o, sessions) =>
        {
            var signingIn = o.Events.OnSigningIn;
            o.Events.OnSigningIn = context =>
            {
                sessions.Begin(context.Principal!, context.Properties);
                return signingIn(context);
            };

            var securityStampCheck = o.Events.OnValidatePrincipal;
            o.Events.OnValidatePrincipal = async context =>
            {
                if (!sessions.TryContinue(context))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                    return;
                }

                await securityStampCheck(context);
            };

            var signingOut = o.Events.OnSigningOut;
            o.Events.OnSigningOut = context =>
            {
                sessions.End(context.HttpContext.User);
                return signingOut(context);
            };
        });
        return services;
    }
}
