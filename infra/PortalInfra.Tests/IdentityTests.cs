using Amazon.CDK.Assertions;
using Portal.Core;

namespace PortalInfra.Tests;

/// <summary>Cognito: the three groups, MFA, password policy, the code-flow (PKCE) client and the hosted UI domain.</summary>
public sealed class IdentityTests(SynthesizedStack stack)
{
    [Fact]
    public void The_pool_has_one_group_per_portal_role()
    {
        var poolRef = $"{{\"Ref\":\"{stack.LogicalId(stack.Stack.Identity.Pool)}\"}}";
        var groups = stack.OfType("AWS::Cognito::UserPoolGroup");
        groups.Select(g => g.Properties.GetProperty("GroupName").GetString()).Order().ShouldBe(Roles.All.Order());
        groups.ShouldAllBe(g => SynthesizedStack.Compact(g.Properties.GetProperty("UserPoolId")) == poolRef);
    }

    [Fact]
    public void MFA_is_required_with_TOTP_and_not_SMS()
    {
        var pool = stack.OfType("AWS::Cognito::UserPool").Single().Properties;
        pool.GetProperty("MfaConfiguration").GetString().ShouldBe("ON");
        pool.GetProperty("EnabledMfas").EnumerateArray().Select(m => m.GetString()).ShouldBe(new[] { "SOFTWARE_TOKEN_MFA" });
        pool.GetProperty("AdminCreateUserConfig").GetProperty("AllowAdminCreateUserOnly").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public void The_password_policy_is_strong()
    {
        stack.Template.HasResourceProperties("AWS::Cognito::UserPool", Match.ObjectLike(new Dictionary<string, object>
        {
            ["Policies"] = new Dictionary<string, object>
            {
                ["PasswordPolicy"] = new Dictionary<string, object>
                {
                    ["MinimumLength"] = 14,
                    ["RequireLowercase"] = true,
                    ["RequireUppercase"] = true,
                    ["RequireNumbers"] = true,
                    ["RequireSymbols"] = true,
                },
            },
        }));
    }

    [Fact]
    public void The_app_client_uses_the_authorization_code_flow_only_with_a_secret()
    {
        var client = stack.OfType("AWS::Cognito::UserPoolClient").Single().Properties;
        client.GetProperty("AllowedOAuthFlowsUserPoolClient").GetBoolean().ShouldBeTrue();
        client.GetProperty("AllowedOAuthFlows").EnumerateArray().Select(f => f.GetString()).ShouldBe(new[] { "code" });
        client.GetProperty("GenerateSecret").GetBoolean().ShouldBeTrue();
        client.GetProperty("ExplicitAuthFlows").EnumerateArray().Select(f => f.GetString()).ShouldNotContain("ALLOW_USER_PASSWORD_AUTH");
        client.GetProperty("CallbackURLs").EnumerateArray().Select(u => u.GetString()).ShouldBe(new[] { "https://portal.test.example/signin-oidc" });
        client.GetProperty("PreventUserExistenceErrors").GetString().ShouldBe("ENABLED");
    }

    [Fact]
    public void The_hosted_UI_has_its_domain()
    {
        var domain = stack.OfType("AWS::Cognito::UserPoolDomain").Single().Properties;
        domain.GetProperty("Domain").GetString().ShouldBe("portal-test-auth");
        SynthesizedStack.Compact(domain.GetProperty("UserPoolId")).ShouldBe($"{{\"Ref\":\"{stack.LogicalId(stack.Stack.Identity.Pool)}\"}}");
    }

    [Fact]
    public void The_hosted_UI_where_passwords_are_typed_has_a_rate_limited_web_ACL()
    {
        var aclId = stack.LogicalId(stack.Stack.Identity.WebAcl);
        var rule = stack.Resource(aclId).GetProperty("Properties").GetProperty("Rules").EnumerateArray()
            .Single(r => r.GetProperty("Name").GetString() == IdentityConstruct.HostedUiSignInRateRule);
        rule.GetProperty("Action").TryGetProperty("Block", out _).ShouldBeTrue();
        var rate = rule.GetProperty("Statement").GetProperty("RateBasedStatement");
        rate.GetProperty("Limit").GetInt32().ShouldBe(SynthesizedStack.Settings.SignInRateLimit);
        rate.GetProperty("AggregateKeyType").GetString().ShouldBe("IP");
        var association = stack.OfType("AWS::WAFv2::WebACLAssociation")
            .Single(a => SynthesizedStack.Compact(a.Properties.GetProperty("WebACLArn")) == SynthesizedStack.GetAttArn(aclId)).Properties;
        SynthesizedStack.Compact(association.GetProperty("ResourceArn")).ShouldBe(SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Identity.Pool)));
    }
}
