using Amazon.CDK;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace PortalInfra;

/// <summary>
/// The Stripe secrets in Secrets Manager, one JSON secret with <c>SecretKey</c> and <c>WebhookSecret</c>. The stack creates
/// it with placeholder values only; an operator puts the real ones (<c>aws secretsmanager put-secret-value</c>, see
/// docs/aws.md), so they never pass through CDK, CloudFormation or the task definition. ECS injects them as secrets.
/// </summary>
public sealed class SecretsConstruct : Construct
{
    public const string SecretKeyField = "SecretKey";
    public const string WebhookSecretField = "WebhookSecret";

    public Secret Stripe { get; }

    public SecretsConstruct(Construct scope, string id, PortalSettings settings) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Stripe = new Secret(this, "Stripe", new SecretProps
        {
            SecretName = $"{settings.Prefix}/stripe",
            Description = "Stripe API secret key and webhook signing secret for the Merchant Portal (set with put-secret-value)",
            // A random placeholder in both fields: the stack never carries a real value.
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = $"{{\"{WebhookSecretField}\":\"unset\"}}",
                GenerateStringKey = SecretKeyField,
                ExcludePunctuation = true,
            },
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
    }
}
