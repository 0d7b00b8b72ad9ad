using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;
using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api.Auth;

/// <summary>Four-eyes role grants (issue 19): granting Admin or Compliance is proposed by one admin and applied when a second confirms.</summary>
public sealed class RoleGrantFourEyesTests(RoleGrantFourEyesTests.Fixture fixture) : IClassFixture<RoleGrantFourEyesTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();

        public (PortalUser User, string Token) Ada { get; private set; }

        public (PortalUser User, string Token) Bola { get; private set; }

        public (PortalUser User, string Token) Chidi { get; private set; }

        public async ValueTask InitializeAsync()
        {
            Ada = await Factory.StaffWithTokenAsync(PortalRoles.Admin);
            Bola = await Factory.StaffWithTokenAsync(PortalRoles.Admin);
            Chidi = await Factory.StaffWithTokenAsync(PortalRoles.Admin);
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    private PortalFactory Factory => fixture.Factory;

    private async Task<string> ProposeComplianceAsync()
    {
        var (target, _) = await Factory.CreateUserAsync(PortalRoles.Merchant);
        using var ada = Factory.ClientWithBearer(fixture.Ada.Token);
        using var proposed = await ada.PutAsJsonAsync($"/api/v1/users/{target.Id}/roles", new { roles = new[] { "Compliance" } });
        proposed.StatusCode.ShouldBe(HttpStatusCode.Accepted, await proposed.Content.ReadAsStringAsync());
        var body = await proposed.JsonAsync();
        body.GetProperty("status").GetString().ShouldBe("pending_second_admin");
        body.GetProperty("proposed_roles")[0].GetString().ShouldBe("Compliance");
        await AssertRolesAsync(target.Id, PortalRoles.Merchant);
        return target.Id;
    }

    [Fact]
    public async Task Granting_compliance_is_proposed_then_applied_when_a_second_admin_confirms()
    {
        var target = await ProposeComplianceAsync();
        using var bola = Factory.ClientWithBearer(fixture.Bola.Token);

        using var confirmed = await bola.PostAsync($"/api/v1/users/{target}/roles/proposal/confirm", null);

        confirmed.StatusCode.ShouldBe(HttpStatusCode.OK, await confirmed.Content.ReadAsStringAsync());
        await AssertRolesAsync(target, PortalRoles.Compliance);
        var audit = Factory.Services.GetRequiredService<IAuditLog>();
        (await audit.QueryAsync(new AuditQuery(Action: AuditActions.RolesProposed, ActorId: fixture.Ada.User.Id, Limit: 100))).Events.ShouldContain(e => e.Target == $"user:{target}");
        var change = (await audit.QueryAsync(new AuditQuery(Action: AuditActions.RolesChanged, ActorId: fixture.Bola.User.Id, Limit: 100))).Events.First(e => e.Target == $"user:{target}");
        change.Detail.ShouldBe($"from=[Merchant] to=[Compliance] proposed_by={fixture.Ada.User.Email}");
    }

    [Fact]
    public async Task The_proposer_cannot_confirm_their_own_grant()
    {
        var target = await ProposeComplianceAsync();
        using var ada = Factory.ClientWithBearer(fixture.Ada.Token);

        var problem = await (await ada.PostAsync($"/api/v1/users/{target}/roles/proposal/confirm", null)).ShouldBeProblemAsync(403);

        problem.GetProperty("detail").GetString()!.ShouldContain("second admin");
        await AssertRolesAsync(target, PortalRoles.Merchant);
        var denied = await Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.RolesChanged, ActorId: fixture.Ada.User.Id, Limit: 100));
        denied.Events.ShouldContain(e => e.Target == $"user:{target}" && e.Outcome == AuditOutcome.Denied && e.Detail == "own proposal");
    }

    [Fact]
    public async Task Of_two_admins_confirming_at_once_exactly_one_applies_the_grant()
    {
        var target = await ProposeComplianceAsync();
        using var bola = Factory.ClientWithBearer(fixture.Bola.Token);
        using var chidi = Factory.ClientWithBearer(fixture.Chidi.Token);

        var answers = await Task.WhenAll(
            bola.PostAsync($"/api/v1/users/{target}/roles/proposal/confirm", null),
            chidi.PostAsync($"/api/v1/users/{target}/roles/proposal/confirm", null));

        answers.Select(a => a.StatusCode).Order().ShouldBe([HttpStatusCode.OK, HttpStatusCode.Conflict]);
        await answers.Single(a => a.StatusCode == HttpStatusCode.Conflict).ShouldBeProblemAsync(409);
        await AssertRolesAsync(target, PortalRoles.Compliance);
        var changes = await Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.RolesChanged, Limit: 200));
        changes.Events.Count(e => e.Target == $"user:{target}" && e.Outcome == AuditOutcome.Success).ShouldBe(1);
    }

    [Fact]
    public async Task A_grant_sent_back_with_a_note_changes_no_roles_and_can_be_proposed_again()
    {
        var target = await ProposeComplianceAsync();
        using var bola = Factory.ClientWithBearer(fixture.Bola.Token);

        await (await bola.PostAsJsonAsync($"/api/v1/users/{target}/roles/proposal/send-back", new { note = "" })).ShouldBeProblemAsync(400);
        using var sentBack = await bola.PostAsJsonAsync($"/api/v1/users/{target}/roles/proposal/send-back", new { note = "Compliance needs their training record first." });

        sentBack.StatusCode.ShouldBe(HttpStatusCode.OK, await sentBack.Content.ReadAsStringAsync());
        await AssertRolesAsync(target, PortalRoles.Merchant);
        var back = await Factory.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.RolesSentBack, ActorId: fixture.Bola.User.Id, Limit: 100));
        back.Events.ShouldContain(e => e.Target == $"user:{target}" && e.Detail!.Contains("training record"));
        await (await bola.PostAsync($"/api/v1/users/{target}/roles/proposal/confirm", null)).ShouldBeProblemAsync(409);
        using var ada = Factory.ClientWithBearer(fixture.Ada.Token);
        (await ada.PutAsJsonAsync($"/api/v1/users/{target}/roles", new { roles = new[] { "Compliance" } })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    private async Task AssertRolesAsync(string userId, params string[] expected)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        (await users.GetRolesAsync((await users.FindByIdAsync(userId))!)).ShouldBe(expected, ignoreOrder: true);
    }
}
