using Amazon.CDK;
using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.WAFv2;
using Constructs;
using Portal.Core;

namespace PortalInfra;

/// <summary>
/// Cognito: a user pool with the portal's three groups (<see cref="Roles.All"/>: Merchant, Admin, Compliance; the portal
/// reads <c>cognito:groups</c> as roles), MFA required with TOTP (Cognito cannot require MFA per group, so the pool
/// requires it for everyone, which covers Admin and Compliance), a 14-character password policy, no self sign-up, a
/// confidential app client for the authorization code flow (the portal's OpenID Connect handler sends a PKCE S256
/// challenge; implicit flow and password auth are off) and a hosted UI domain.
/// </summary>
public sealed class IdentityConstruct : Construct
{
    public UserPool Pool { get; }
    public UserPoolClient Client { get; }
    public UserPoolDomain Domain { get; }

    /// <summary>The hosted UI's own web ACL: in AWS mode the password is typed there, not on the portal's <c>/account/login</c>.</summary>
    public CfnWebACL WebAcl { get; }

    public const string HostedUiSignInRateRule = "RateLimitHostedUiSignIn";

    public IdentityConstruct(Construct scope, string id, PortalSettings settings) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Pool = new UserPool(this, "Users", new UserPoolProps
        {
            UserPoolName = $"{settings.Prefix}-users",
            SelfSignUpEnabled = false,
            SignInAliases = new SignInAliases { Email = true },
            SignInCaseSensitive = false,
            AutoVerify = new AutoVerifiedAttrs { Email = true },
            Mfa = Mfa.REQUIRED,
            MfaSecondFactor = new MfaSecondFactor { Otp = true, Sms = false },
            PasswordPolicy = new PasswordPolicy
            {
                MinLength = 14,
                RequireLowercase = true,
                RequireUppercase = true,
                RequireDigits = true,
                RequireSymbols = true,
                TempPasswordValidity = Duration.Days(1),
            },
            AccountRecovery = AccountRecovery.EMAIL_ONLY,
            DeletionProtection = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        var precedence = 0;
        foreach (var role in new[] { Roles.Admin, Roles.Compliance, Roles.Merchant })
        {
            _ = new CfnUserPoolGroup(this, $"{role}Group", new CfnUserPoolGroupProps
            {
                UserPoolId = Pool.UserPoolId,
                GroupName = role,
                Precedence = precedence++,
                Description = $"Merchant Portal role {role}",
            });
        }

        Client = Pool.AddClient("PortalClient", new UserPoolClientOptions
        {
            UserPoolClientName = $"{settings.Prefix}-web",
            GenerateSecret = true,
            AuthFlows = new AuthFlow { UserSrp = true },
            PreventUserExistenceErrors = true,
            OAuth = new OAuthSettings
            {
                Flows = new OAuthFlows { AuthorizationCodeGrant = true, ImplicitCodeGrant = false, ClientCredentials = false },
                Scopes = [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
                CallbackUrls = [$"{settings.PublicUrl}/signin-oidc"],
                LogoutUrls = [$"{settings.PublicUrl}/signout-callback-oidc"],
            },
            AccessTokenValidity = Duration.Minutes(60),
            IdTokenValidity = Duration.Minutes(60),
            RefreshTokenValidity = Duration.Hours(12),
            EnableTokenRevocation = true,
        });

        Domain = Pool.AddDomain("HostedUi", new UserPoolDomainOptions
        {
            CognitoDomain = new CognitoDomainOptions { DomainPrefix = settings.CognitoDomainPrefix },
        });

        WebAcl = new CfnWebACL(this, "HostedUiWebAcl", new CfnWebACLProps
        {
            Name = $"{settings.Prefix}-hosted-ui-web-acl",
            Scope = "REGIONAL",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("HostedUiWebAcl"),
            Rules = new object[]
            {
                new CfnWebACL.RuleProperty
                {
                    Name = HostedUiSignInRateRule,
                    Priority = 0,
                    Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        RateBasedStatement = new CfnWebACL.RateBasedStatementProperty
                        {
                            Limit = settings.SignInRateLimit,
                            AggregateKeyType = "IP",
                            ScopeDownStatement = new CfnWebACL.StatementProperty
                            {
                                ByteMatchStatement = new CfnWebACL.ByteMatchStatementProperty
                                {
                                    FieldToMatch = new CfnWebACL.FieldToMatchProperty { Method = new Dictionary<string, object>() },
                                    PositionalConstraint = "EXACTLY",
                                    SearchString = "POST",
                                    TextTransformations = new object[] { new CfnWebACL.TextTransformationProperty { Priority = 0, Type = "NONE" } },
                                },
                            },
                        },
                    },
                    VisibilityConfig = Visibility(HostedUiSignInRateRule),
                },
                new CfnWebACL.RuleProperty
                {
                    Name = "AWSManagedRulesAmazonIpReputationList",
                    Priority = 1,
                    OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty { VendorName = "AWS", Name = "AWSManagedRulesAmazonIpReputationList" },
                    },
                    VisibilityConfig = Visibility("HostedUiIpReputation"),
                },
            },
        });
        _ = new CfnWebACLAssociation(this, "HostedUiWebAclAssociation", new CfnWebACLAssociationProps
        {
            ResourceArn = Pool.UserPoolArn,
            WebAclArn = WebAcl.AttrArn,
        });
    }

    private static CfnWebACL.VisibilityConfigProperty Visibility(string name) => new()
    {
        MetricName = name,
        CloudWatchMetricsEnabled = true,
        SampledRequestsEnabled = true,
    };
}
