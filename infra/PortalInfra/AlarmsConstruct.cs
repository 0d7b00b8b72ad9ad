using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace PortalInfra;

/// <summary>
/// CloudWatch alarms to an SNS topic: ALB 5xx rate, p99 target latency, DynamoDB throttles across the portal's tables,
/// DLQ depth, a fraud-block spike and audit verification failures (the last two on the portal's custom metrics,
/// <see cref="PortalMetrics"/>).
/// </summary>
public sealed class AlarmsConstruct : Construct
{
    public Topic Topic { get; }
    public Alarm ServerErrorRate { get; }
    public Alarm LatencyP99 { get; }
    /// <summary>Read throttles, then write throttles: one alarm each, since an alarm's math may read at most 10 metrics.</summary>
    public IReadOnlyList<Alarm> DynamoThrottles { get; }
    public Alarm DeadLetters { get; }
    public Alarm FraudBlockSpike { get; }
    public Alarm AuditVerificationFailed { get; }

    public AlarmsConstruct(Construct scope, string id, PortalSettings settings, ApplicationLoadBalancer loadBalancer, IEnumerable<Table> tables, IQueue deadLetters)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loadBalancer);
        ArgumentNullException.ThrowIfNull(deadLetters);
        Topic = new Topic(this, "Topic", new TopicProps { TopicName = $"{settings.Prefix}-alarms", EnforceSSL = true });
        Topic.AddSubscription(new EmailSubscription(settings.AlarmEmail));
        var prefix = settings.Prefix;
        var oneMinute = Duration.Minutes(1);
        var fiveMinutes = Duration.Minutes(5);

        Metric Alb(string name, string statistic) => new(new MetricProps
        {
            Namespace = "AWS/ApplicationELB",
            MetricName = name,
            DimensionsMap = new Dictionary<string, string> { ["LoadBalancer"] = loadBalancer.LoadBalancerFullName },
            Statistic = statistic,
            Period = oneMinute,
        });

        ServerErrorRate = NewAlarm("ServerErrorRate", $"{prefix} 5xx above 1% of requests (3 of 5 minutes)", new MathExpression(new MathExpressionProps
        {
            Expression = "IF(requests > 0, 100 * (target5xx + elb5xx) / requests, 0)",
            UsingMetrics = new Dictionary<string, IMetric>
            {
                ["target5xx"] = Alb("HTTPCode_Target_5XX_Count", "Sum"),
                ["elb5xx"] = Alb("HTTPCode_ELB_5XX_Count", "Sum"),
                ["requests"] = Alb("RequestCount", "Sum"),
            },
            Period = oneMinute,
            Label = "5xx percent",
        }), threshold: 1, evaluationPeriods: 5, datapointsToAlarm: 3);

        LatencyP99 = NewAlarm("LatencyP99", $"{prefix} p99 target response time above 1 s (3 of 5 minutes)", Alb("TargetResponseTime", "p99"),
            threshold: 1, evaluationPeriods: 5, datapointsToAlarm: 3);

        var tableList = tables.ToList();
        Alarm Throttles(string metricName, string what)
        {
            var metrics = tableList.Select((table, n) => (Key: $"t{n}", Metric: (IMetric)new Metric(new MetricProps
            {
                Namespace = "AWS/DynamoDB",
                MetricName = metricName,
                DimensionsMap = new Dictionary<string, string> { ["TableName"] = table.TableName },
                Statistic = "Sum",
                Period = oneMinute,
            }))).ToDictionary(m => m.Key, m => m.Metric);
            return NewAlarm($"DynamoDb{what}Throttles", $"{prefix} DynamoDB throttled {what.ToLowerInvariant()}s on the portal's tables (3 of 5 minutes)", new MathExpression(new MathExpressionProps
            {
                Expression = string.Join(" + ", metrics.Keys.Select(k => $"FILL({k}, 0)")),
                UsingMetrics = metrics,
                Period = oneMinute,
                Label = $"{what.ToLowerInvariant()} throttle events",
            }), threshold: 1, evaluationPeriods: 5, datapointsToAlarm: 3);
        }

        DynamoThrottles = [Throttles("ReadThrottleEvents", "Read"), Throttles("WriteThrottleEvents", "Write")];

        DeadLetters = NewAlarm("DeadLetterDepth", $"{prefix} messages in the dead-letter queue",
            deadLetters.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = oneMinute, Statistic = "Maximum" }),
            threshold: 1, evaluationPeriods: 1, datapointsToAlarm: 1);

        Metric Custom(string name, Duration period) => new(new MetricProps
        {
            Namespace = PortalMetrics.Namespace,
            MetricName = name,
            Statistic = "Sum",
            Period = period,
        });

        FraudBlockSpike = NewAlarm("FraudBlockSpike", $"{prefix} fraud blocks above 5% of initiations and at least 20 (two 5-minute periods)", new MathExpression(new MathExpressionProps
        {
            Expression = "IF(blocks >= 20 AND initiated > 0, 100 * blocks / initiated, 0)",
            UsingMetrics = new Dictionary<string, IMetric>
            {
                ["blocks"] = Custom(PortalMetrics.FraudBlocks, fiveMinutes),
                ["initiated"] = Custom(PortalMetrics.PaymentsInitiated, fiveMinutes),
            },
            Period = fiveMinutes,
            Label = "fraud blocks percent",
        }), threshold: 5, evaluationPeriods: 2, datapointsToAlarm: 2);

        // The portal publishes the count after every verification run (0 when clean), so silence is itself an alarm.
        AuditVerificationFailed = NewAlarm("AuditVerificationFailure", $"{prefix} audit log verification failed, or did not report for an hour",
            Custom(PortalMetrics.AuditVerificationFailures, Duration.Hours(1)), threshold: 1, evaluationPeriods: 1, datapointsToAlarm: 1,
            missing: TreatMissingData.BREACHING);
    }

    private Alarm NewAlarm(string id, string description, IMetric metric, double threshold, int evaluationPeriods, int datapointsToAlarm,
        TreatMissingData? missing = null)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            AlarmName = $"{Node.Scope!.Node.Id}-{id}",
            AlarmDescription = description,
            Metric = metric,
            Threshold = threshold,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            EvaluationPeriods = evaluationPeriods,
            DatapointsToAlarm = datapointsToAlarm,
            TreatMissingData = missing ?? TreatMissingData.NOT_BREACHING,
        });
        alarm.AddAlarmAction(new SnsAction(Topic));
        return alarm;
    }
}
