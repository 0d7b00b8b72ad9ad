using System.Text.Json;

namespace PortalInfra.Tests;

/// <summary>ECS Fargate behind the ALB: sticky sessions, TLS 1.2+, HTTP redirect; WAF managed rules and rate-based rules.</summary>
public sealed class ComputeTests(SynthesizedStack stack)
{
    private JsonElement WebAcl => stack.Resource(stack.LogicalId(stack.Stack.Compute.WebAcl!)).GetProperty("Properties");

    private JsonElement Rule(string name) => WebAcl.GetProperty("Rules").EnumerateArray().Single(r => r.GetProperty("Name").GetString() == name);

    [Fact]
    public void The_target_group_keeps_a_browser_on_one_task_for_its_Blazor_circuit()
    {
        var attributes = stack.OfType("AWS::ElasticLoadBalancingV2::TargetGroup").Single().Properties.GetProperty("TargetGroupAttributes").EnumerateArray()
            .ToDictionary(a => a.GetProperty("Key").GetString()!, a => a.GetProperty("Value").GetString());
        attributes["stickiness.enabled"].ShouldBe("true");
        attributes["stickiness.type"].ShouldBe("lb_cookie");
        int.Parse(attributes["stickiness.lb_cookie.duration_seconds"]!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
    }

    [Fact]
    public void HTTPS_uses_a_TLS_1_2_plus_policy_and_HTTP_only_redirects()
    {
        var listeners = stack.OfType("AWS::ElasticLoadBalancingV2::Listener");
        var https = listeners.Single(l => l.Properties.GetProperty("Protocol").GetString() == "HTTPS").Properties;
        https.GetProperty("SslPolicy").GetString().ShouldBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
        var http = listeners.Single(l => l.Properties.GetProperty("Protocol").GetString() == "HTTP").Properties;
        var action = http.GetProperty("DefaultActions")[0];
        action.GetProperty("Type").GetString().ShouldBe("redirect");
        action.GetProperty("RedirectConfig").GetProperty("Protocol").GetString().ShouldBe("HTTPS");
    }

    [Fact]
    public void The_service_runs_on_Fargate_with_its_task_role()
    {
        var task = stack.OfType("AWS::ECS::TaskDefinition").Single().Properties;
        task.GetProperty("RequiresCompatibilities").EnumerateArray().Select(c => c.GetString()).ShouldBe(new[] { "FARGATE" });
        SynthesizedStack.Compact(task.GetProperty("TaskRoleArn")).ShouldBe(SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Compute.TaskRole)));
        stack.OfType("AWS::ECS::Service").Single().Properties.GetProperty("LaunchType").GetString().ShouldBe("FARGATE");
    }

    [Fact]
    public void The_web_ACL_runs_the_AWS_managed_rule_groups_and_protects_the_load_balancer()
    {
        var managed = WebAcl.GetProperty("Rules").EnumerateArray()
            .Where(r => r.GetProperty("Statement").TryGetProperty("ManagedRuleGroupStatement", out _))
            .Select(r => r.GetProperty("Statement").GetProperty("ManagedRuleGroupStatement").GetProperty("Name").GetString()).ToList();
        managed.ShouldBe(new[] { "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet" },
            ignoreOrder: true);
        WebAcl.GetProperty("Scope").GetString().ShouldBe("REGIONAL");
        var aclArn = SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Compute.WebAcl!));
        var association = stack.OfType("AWS::WAFv2::WebACLAssociation").Single(a => SynthesizedStack.Compact(a.Properties.GetProperty("WebACLArn")) == aclArn).Properties;
        SynthesizedStack.Compact(association.GetProperty("ResourceArn")).ShouldBe($"{{\"Ref\":\"{stack.LogicalId(stack.Stack.Compute.Service!.LoadBalancer)}\"}}");
    }

    [Theory]
    [InlineData(ComputeConstruct.SignInRateRule, 100, "/account/login")]
    [InlineData(ComputeConstruct.SignInRateRule, 100, "/signin-oidc")]
    [InlineData(ComputeConstruct.PaymentRateRule, 150_000, "/api/v1/payments")]
    public void Rate_based_rules_block_floods_of_posts_on_sign_in_and_payments(string rule, int limit, string path)
    {
        var r = Rule(rule);
        r.GetProperty("Action").TryGetProperty("Block", out _).ShouldBeTrue();
        var rate = r.GetProperty("Statement").GetProperty("RateBasedStatement");
        rate.GetProperty("Limit").GetInt32().ShouldBe(limit);
        rate.GetProperty("AggregateKeyType").GetString().ShouldBe("IP");
        var scope = SynthesizedStack.Compact(rate.GetProperty("ScopeDownStatement"));
        scope.ShouldContain($"\"SearchString\":\"{path}\"");
        scope.ShouldContain("\"SearchString\":\"POST\"");
        r.GetProperty("Priority").GetInt32().ShouldBeLessThan(Rule("AWSManagedRulesCommonRuleSet").GetProperty("Priority").GetInt32());
    }
}
