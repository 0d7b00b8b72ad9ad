using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Portal.Core;
using Portal.Core.Audit;

namespace Portal.Auth;

/// <summary>Account use cases shared by the sign-up page, the demo seeder and the users API.</summary>
public sealed class PortalAccounts(UserManager<PortalUser> users, RoleManager<IdentityRole> roles, AuditService audit, TimeProvider clock)
{
    /// <summary>Creates a user with a role; merchants get a fresh merchant id claim.</summary>
    public async Task<(PortalUser? User, IEnumerable<IdentityError> Errors)> CreateAsync(string email, string password, string role, bool emailConfirmed)
    {
        await EnsureRolesAsync();
        var user = new PortalUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = emailConfirmed };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return (null, created.Errors);
        }

        await users.AddToRoleAsync(user, role);
        if (role == PortalRoles.Merchant)
        {
            await users.AddClaimAsync(user, new Claim(PortalPolicies.MerchantIdClaim, Guid.CreateVersion7(clock.GetUtcNow()).ToString()));
        }

        return (user, []);
    }

    /// <summary>
    /// Replaces a user's portal roles. Separation of duties (PCI DSS 7.2): a role is granted or withdrawn by someone else,
    /// never by its holder; the refused attempt is audited.
    /// </summary>
    public async Task<RoleChange> SetRolesAsync(Actor actor, string userId, IReadOnlyCollection<string> newRoles)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (string.Equals(userId.Trim(), actor.UserId, StringComparison.OrdinalIgnoreCase))
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.RolesChanged, AuditOutcome.Denied, $"user:{userId}", "own roles"));
            return RoleChange.OwnRoles;
        }

        var unknown = newRoles.Where(r => !PortalRoles.All.Contains(r)).ToList();
        if (unknown.Count > 0)
        {
            // Echo at most a short prefix of what was sent: error messages must not mirror arbitrary input back.
            var shown = string.Join(", ", unknown.Take(3).Select(r => r.Length > 20 ? r[..20] + "…" : r));
            return RoleChange.Invalid($"Unknown role(s): {shown}. Use {string.Join(", ", PortalRoles.All)}.");
        }

        if (newRoles.Count == 0)
        {
            return RoleChange.Invalid("A user needs at least one role.");
        }

        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return RoleChange.NotFound;
        }

        var current = (await users.GetRolesAsync(user)).ToList();
        if (newRoles.Except(current).Any(FourEyesRoles.Contains))
        {
            return await ProposeAsync(actor, user, newRoles);
        }

        return await ApplyAsync(actor, user, current, newRoles, null);
    }

    /// <summary>
    /// Four-eyes (issue 19): granting one of these roles is proposed by one admin and applied only when a second admin
    /// confirms. Withdrawing them, or granting Merchant, stays a one-admin change.
    /// </summary>
    public static readonly IReadOnlySet<string> FourEyesRoles = new HashSet<string>(StringComparer.Ordinal) { PortalRoles.Admin, PortalRoles.Compliance };

    /// <summary>The pending proposal of a user, if any.</summary>
    public async Task<RoleProposal?> ProposalAsync(string userId) =>
        await users.FindByIdAsync(userId) is { } user ? RoleProposal.From(await users.GetClaimsAsync(user)) : null;

    /// <summary>
    /// A second admin confirms the pending role proposal: the roles apply as proposed. The proposer cannot confirm their
    /// own proposal (audited). Removing the proposal claim is the user row's versioned write (Identity's concurrency
    /// stamp): of two confirmations at once, one removes it and applies the roles; the other gets a conflict.
    /// </summary>
    public async Task<RoleChange> ConfirmProposalAsync(Actor actor, string userId)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var pending = await PendingAsync(actor, userId, AuditActions.RolesChanged);
        if (pending is not ({ } user, { } proposal, null))
        {
            return pending.Refused!;
        }

        if (proposal.ProposerId == actor.UserId)
        {
            await audit.AppendAsync(actor, new AuditEntry(AuditActions.RolesChanged, AuditOutcome.Denied, $"user:{user.Id}", "own proposal"));
            return RoleChange.OwnProposal;
        }

        var current = (await users.GetRolesAsync(user)).ToList();
        if (!(await users.RemoveClaimAsync(user, proposal.Stored!)).Succeeded)
        {
            return RoleChange.Conflict("Someone else answered this proposal first. Reload to see the user's roles now.");
        }

        return await ApplyAsync(actor, user, current, proposal.Roles, proposal.ProposedBy);
    }

    /// <summary>A second admin (or the proposer, withdrawing it) sends the proposal back with a note; the roles stay as they are.</summary>
    public async Task<RoleChange> SendBackProposalAsync(Actor actor, string userId, string? note)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (string.IsNullOrWhiteSpace(note) || !Portal.Core.Security.CardNumberRules.IsClean(note))
        {
            return RoleChange.Invalid("Say why the proposal goes back (a short note, no card numbers).");
        }

        var pending = await PendingAsync(actor, userId, AuditActions.RolesSentBack);
        if (pending is not ({ } user, { } proposal, null))
        {
            return pending.Refused!;
        }

        if (!(await users.RemoveClaimAsync(user, proposal.Stored!)).Succeeded)
        {
            return RoleChange.Conflict("Someone else answered this proposal first. Reload to see the user's roles now.");
        }

        await audit.AppendAsync(actor, new AuditEntry(AuditActions.RolesSentBack, AuditOutcome.Success, $"user:{user.Id}",
            $"proposed=[{string.Join(",", proposal.Roles)}] by={proposal.ProposedBy} note={note.Trim()}"));
        return RoleChange.Done([.. (await users.GetRolesAsync(user)).Order()]);
    }

    private async Task<(PortalUser? User, RoleProposal? Proposal, RoleChange? Refused)> PendingAsync(Actor actor, string userId, string action)
    {
        if (string.Equals(userId.Trim(), actor.UserId, StringComparison.OrdinalIgnoreCase))
        {
            await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Denied, $"user:{userId}", "own roles"));
            return (null, null, RoleChange.OwnRoles);
        }

        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return (null, null, RoleChange.NotFound);
        }

        if (RoleProposal.From(await users.GetClaimsAsync(user)) is { } proposal)
        {
            return (user, proposal, null);
        }

        await audit.AppendAsync(actor, new AuditEntry(action, AuditOutcome.Failure, $"user:{user.Id}", "no pending proposal"));
        return (user, null, RoleChange.Conflict("There is no role change waiting for a second admin."));
    }

    private async Task<RoleChange> ProposeAsync(Actor actor, PortalUser user, IReadOnlyCollection<string> newRoles)
    {
        if (RoleProposal.From(await users.GetClaimsAsync(user)) is { } pending)
        {
            return RoleChange.Conflict($"A role change proposed by {pending.ProposedBy} is waiting for a second admin: confirm it or send it back first.");
        }

        var proposal = new RoleProposal([.. newRoles.Order()], actor.UserId ?? actor.Name ?? "admin", actor.Name ?? actor.UserId ?? "admin", clock.GetUtcNow());
        if (!(await users.AddClaimAsync(user, proposal.ToClaim())).Succeeded)
        {
            return RoleChange.Conflict("Someone else changed this user at the same time. Reload and try again.");
        }

        await audit.AppendAsync(actor, new AuditEntry(AuditActions.RolesProposed, AuditOutcome.Success, $"user:{user.Id}", $"proposed=[{string.Join(",", proposal.Roles)}]"));
        return RoleChange.Proposed(proposal.Roles);
    }

    private async Task<RoleChange> ApplyAsync(Actor actor, PortalUser user, List<string> current, IReadOnlyCollection<string> newRoles, string? proposedBy)
    {
        await EnsureRolesAsync();
        var remove = current.Except(newRoles).ToList();
        var add = newRoles.Except(current).ToList();
        if (remove.Count > 0)
        {
            await users.RemoveFromRolesAsync(user, remove);
        }

        if (add.Count > 0)
        {
            await users.AddToRolesAsync(user, add);
        }

        // A role change must reach open sessions: a new security stamp ends them at the next revalidation.
        await users.UpdateSecurityStampAsync(user);
        await audit.AppendAsync(actor, new AuditEntry(AuditActions.RolesChanged, AuditOutcome.Success, $"user:{user.Id}",
            $"from=[{string.Join(",", current.Order())}] to=[{string.Join(",", newRoles.Order())}]" + (proposedBy is null ? "" : $" proposed_by={proposedBy}")));
        return RoleChange.Done([.. newRoles.Order()]);
    }

    public async Task EnsureRolesAsync()
    {
        foreach (var role in PortalRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }
    }
}

public sealed record RoleChange(bool Succeeded, bool Found, string? Error, IReadOnlyList<string> Roles, bool Own = false, bool Pending = false, bool Conflicted = false)
{
    public static readonly RoleChange OwnProposal = new(false, true, "You proposed this role change: a second admin must confirm it.", [], Own: true);

    /// <summary>Granting Admin or Compliance: stored as a proposal, waiting for a second admin.</summary>
    public static RoleChange Proposed(IReadOnlyList<string> roles) => new(true, true, null, roles, Pending: true);

    public static RoleChange Conflict(string error) => new(false, true, error, [], Conflicted: true);

    public static readonly RoleChange NotFound = new(false, false, null, []);

    public static readonly RoleChange OwnRoles = new(false, true, "Nobody changes their own roles. Ask another admin.", [], Own: true);

    public static RoleChange Invalid(string error) => new(false, true, error, []);

    public static RoleChange Done(IReadOnlyList<string> roles) => new(true, true, null, roles);
}

/// <summary>
/// A role change waiting for a second admin, kept as one user claim (<see cref="ClaimType"/>) in the identity store, so it
/// rides on the user row's concurrency stamp. <see cref="ProposerId"/> decides who may not confirm it.
/// </summary>
public sealed record RoleProposal(IReadOnlyList<string> Roles, string ProposerId, string ProposedBy, DateTimeOffset ProposedAt)
{
    public const string ClaimType = "portal:pending_roles";

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>The claim it was read from: removing a claim needs its exact type and value.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Claim? Stored { get; init; }

    public Claim ToClaim() => new(ClaimType, System.Text.Json.JsonSerializer.Serialize(this, Json));

    public static RoleProposal? From(IEnumerable<Claim> claims) =>
        claims.FirstOrDefault(c => c.Type == ClaimType) is { } claim && System.Text.Json.JsonSerializer.Deserialize<RoleProposal>(claim.Value, Json) is { } proposal
            ? proposal with { Stored = claim }
            : null;
}
