using Amazon.CDK;
using PortalInfra;

// Synthesises the portal's production stack into cdk.out (offline: jsii starts node, nothing is downloaded).
// Deploy with the CDK CLI: see docs/aws.md.
var app = new App(new AppProps { Outdir = "cdk.out" });
var settings = PortalSettings.FromContext(app);
_ = new PortalStack(app, "MerchantPortal", settings, new StackProps
{
    Env = new Amazon.CDK.Environment
    {
        Account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT"),
        Region = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION") ?? "us-east-1",
    },
    Description = "Merchant Portal: DynamoDB, S3, KMS, Cognito, CloudTrail, ECS Fargate behind ALB + WAF, SQS, alarms",
});
app.Synth();
