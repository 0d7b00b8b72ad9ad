using Amazon.CDK;
using Amazon.CDK.AWS.ApplicationAutoScaling;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ECS.Patterns;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.WAFv2;
using Constructs;
using EcsSecret = Amazon.CDK.AWS.ECS.Secret;
using HealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;

namespace PortalInfra;

/// <summary>What the portal's container is told at start: plain settings as environment, secrets from Secrets Manager.</summary>
public sealed record PortalRuntime(IDictionary<string, string> Environment, IDictionary<string, EcsSecret> Secrets);

/// <summary>
/// The portal on ECS Fargate in private subnets behind an internet-facing Application Load Balancer: HTTPS only with a
/// TLS 1.2+ policy (HTTP redirects), sticky sessions (Blazor Server circuits live in one task), health from
/// <c>/health/ready</c>, and a WAF web ACL with AWS managed rule groups plus per-IP rate-based rules on the sign-in and
/// payment paths. The task role is created first so the key policies can name it.
/// </summary>
public sealed class ComputeConstruct : Construct
{
    public const string SignInRateRule = "RateLimitSignIn";
    public const string PaymentRateRule = "RateLimitPayments";

    public Role TaskRole { get; }
    public Vpc? Vpc { get; private set; }
    public ApplicationLoadBalancedFargateService? Service { get; private set; }
    public CfnWebACL? WebAcl { get; private set; }

    public ComputeConstruct(Construct scope, string id) : base(scope, id)
    {
        TaskRole = new Role(this, "TaskRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
            Description = "Merchant Portal task: its tables, bucket, queue and metrics; KMS only through the key policies",
        });
    }

    public void AddService(PortalSettings settings, PortalRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(runtime);
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            MaxAzs = 2,
            NatGateways = 2,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = "app", SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 22 },
            ],
            GatewayEndpoints = new Dictionary<string, IGatewayVpcEndpointOptions>
            {
                // DynamoDB and S3 traffic stays on the AWS network and skips the NAT gateways' per-GB charge.
                ["DynamoDb"] = new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.DYNAMODB },
                ["S3"] = new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3 },
            },
        });
        var cluster = new Cluster(this, "Cluster", new ClusterProps { Vpc = Vpc, ContainerInsights = true });

        Service = new ApplicationLoadBalancedFargateService(this, "Portal", new ApplicationLoadBalancedFargateServiceProps
        {
            Cluster = cluster,
            Cpu = 1024,
            MemoryLimitMiB = 2048,
            DesiredCount = settings.DesiredTasks,
            PublicLoadBalancer = true,
            Protocol = ApplicationProtocol.HTTPS,
            Certificate = Certificate.FromCertificateArn(this, "Certificate", settings.CertificateArn),
            SslPolicy = SslPolicy.RECOMMENDED_TLS,
            RedirectHTTP = true,
            CircuitBreaker = new DeploymentCircuitBreaker { Rollback = true },
            TaskImageOptions = new ApplicationLoadBalancedTaskImageOptions
            {
                Image = ContainerImage.FromRegistry(settings.ImageUri),
                ContainerName = "portal",
                ContainerPort = 8080,
                TaskRole = TaskRole,
                Environment = runtime.Environment,
                Secrets = runtime.Secrets,
                LogDriver = LogDriver.AwsLogs(new AwsLogDriverProps
                {
                    StreamPrefix = "portal",
                    LogGroup = new LogGroup(this, "Logs", new LogGroupProps { Retention = RetentionDays.ONE_YEAR, RemovalPolicy = RemovalPolicy.RETAIN }),
                }),
            },
        });
        Service.TargetGroup.ConfigureHealthCheck(new HealthCheck { Path = "/health/ready", HealthyHttpCodes = "200" });
        Service.TargetGroup.EnableCookieStickiness(Duration.Hours(8));
        Service.TargetGroup.SetAttribute("deregistration_delay.timeout_seconds", "60");
        Service.LoadBalancer.SetAttribute("routing.http.drop_invalid_header_fields.enabled", "true");

        var scaling = Service.Service.AutoScaleTaskCount(new EnableScalingProps { MinCapacity = settings.DesiredTasks, MaxCapacity = 40 });
        scaling.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps { TargetUtilizationPercent = 60 });

        WebAcl = NewWebAcl(settings);
        _ = new CfnWebACLAssociation(this, "WebAclAssociation", new CfnWebACLAssociationProps
        {
            ResourceArn = Service.LoadBalancer.LoadBalancerArn,
            WebAclArn = WebAcl.AttrArn,
        });
    }

    private CfnWebACL NewWebAcl(PortalSettings settings)
    {
        var priority = 0;
        CfnWebACL.RuleProperty Managed(string name, params string[] countOnly) => new()
        {
            Name = name,
            Priority = priority++,
            OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
            Statement = new CfnWebACL.StatementProperty
            {
                ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty
                {
                    VendorName = "AWS",
                    Name = name,
                    RuleActionOverrides = countOnly.Length == 0 ? null : countOnly.Select(r => (object)new CfnWebACL.RuleActionOverrideProperty
                    {
                        Name = r,
                        ActionToUse = new CfnWebACL.RuleActionProperty { Count = new CfnWebACL.CountActionProperty() },
                    }).ToArray(),
                },
            },
            VisibilityConfig = Visibility(name),
        };

        CfnWebACL.RuleProperty RateLimit(string name, int limit, string method, params string[] pathPrefixes) => new()
        {
            Name = name,
            Priority = priority++,
            Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
            Statement = new CfnWebACL.StatementProperty
            {
                RateBasedStatement = new CfnWebACL.RateBasedStatementProperty
                {
                    Limit = limit,
                    AggregateKeyType = "IP",
                    ScopeDownStatement = new CfnWebACL.StatementProperty
                    {
                        AndStatement = new CfnWebACL.AndStatementProperty
                        {
                            Statements = new object[]
                            {
                                new CfnWebACL.StatementProperty
                                {
                                    ByteMatchStatement = new CfnWebACL.ByteMatchStatementProperty
                                    {
                                        FieldToMatch = new CfnWebACL.FieldToMatchProperty { Method = new Dictionary<string, object>() },
                                        PositionalConstraint = "EXACTLY",
                                        SearchString = method,
                                        TextTransformations = new object[] { new CfnWebACL.TextTransformationProperty { Priority = 0, Type = "NONE" } },
                                    },
                                },
                                pathPrefixes.Length == 1 ? PathStartsWith(pathPrefixes[0]) : new CfnWebACL.StatementProperty
                                {
                                    OrStatement = new CfnWebACL.OrStatementProperty { Statements = pathPrefixes.Select(p => (object)PathStartsWith(p)).ToArray() },
                                },
                            },
                        },
                    },
                },
            },
            VisibilityConfig = Visibility(name),
        };

        var rules = new[]
        {
            RateLimit(SignInRateRule, settings.SignInRateLimit, "POST", "/account/login", "/signin-oidc"),
            RateLimit(PaymentRateRule, settings.PaymentRateLimit, "POST", "/api/v1/payments"),
            Managed("AWSManagedRulesAmazonIpReputationList"),
            // KYC uploads are larger than the common rule set's 8 KB body limit: that one rule only counts.
            Managed("AWSManagedRulesCommonRuleSet", "SizeRestrictions_BODY"),
            Managed("AWSManagedRulesKnownBadInputsRuleSet"),
            Managed("AWSManagedRulesSQLiRuleSet"),
        };

        return new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Name = $"{settings.Prefix}-web-acl",
            Scope = "REGIONAL",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility($"{settings.Prefix}-web-acl"),
            Rules = rules,
        });
    }

    private static CfnWebACL.StatementProperty PathStartsWith(string prefix) => new()
    {
        ByteMatchStatement = new CfnWebACL.ByteMatchStatementProperty
        {
            FieldToMatch = new CfnWebACL.FieldToMatchProperty { UriPath = new Dictionary<string, object>() },
            PositionalConstraint = "STARTS_WITH",
            SearchString = prefix,
            TextTransformations = new object[] { new CfnWebACL.TextTransformationProperty { Priority = 0, Type = "LOWERCASE" } },
        },
    };

    private static CfnWebACL.VisibilityConfigProperty Visibility(string name) => new()
    {
        MetricName = name.Replace("-", string.Empty, StringComparison.Ordinal),
        CloudWatchMetricsEnabled = true,
        SampledRequestsEnabled = true,
    };
}
