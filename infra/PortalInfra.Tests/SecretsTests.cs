using System.Text.Json;

namespace PortalInfra.Tests;

/// <summary>The Stripe secrets reach the task from Secrets Manager, never as plain environment variables.</summary>
public sealed class SecretsTests(SynthesizedStack stack)
{
    private JsonElement Container => stack.OfType("AWS::ECS::TaskDefinition").Single().Properties.GetProperty("ContainerDefinitions")[0];

    [Fact]
    public void Stripe_secrets_are_ECS_secrets_from_Secrets_Manager()
    {
        var secrets = Container.GetProperty("Secrets").EnumerateArray().ToDictionary(s => s.GetProperty("Name").GetString()!, s => SynthesizedStack.Compact(s.GetProperty("ValueFrom")));
        var stripeRef = $"{{\"Ref\":\"{stack.LogicalId(stack.Stack.Secrets.Stripe)}\"}}";
        secrets["Stripe__SecretKey"].ShouldContain(stripeRef);
        secrets["Stripe__SecretKey"].ShouldContain(":SecretKey::");
        secrets["Stripe__WebhookSecret"].ShouldContain(stripeRef);
        secrets["Stripe__WebhookSecret"].ShouldContain(":WebhookSecret::");
        secrets.ShouldContainKey("Cognito__ClientSecret");
    }

    [Fact]
    public void No_plain_environment_variable_carries_a_Stripe_or_other_secret()
    {
        foreach (var variable in Container.GetProperty("Environment").EnumerateArray())
        {
            var name = variable.GetProperty("Name").GetString()!;
            name.ShouldNotContain("stripe", Case.Insensitive);
            name.ShouldNotContain("secret", Case.Insensitive);
            var value = SynthesizedStack.Compact(variable.GetProperty("Value"));
            value.ShouldNotContain("sk_");
            value.ShouldNotContain("rk_");
            value.ShouldNotContain("whsec_");
        }
    }

    [Fact]
    public void The_Stripe_secret_holds_no_real_value_in_the_template()
    {
        var secret = stack.Resource(stack.LogicalId(stack.Stack.Secrets.Stripe)).GetProperty("Properties");
        secret.TryGetProperty("SecretString", out _).ShouldBeFalse();
        secret.GetProperty("GenerateSecretString").GetProperty("GenerateStringKey").GetString().ShouldBe("SecretKey");
    }
}
