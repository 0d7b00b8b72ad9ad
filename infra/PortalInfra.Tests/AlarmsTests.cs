using System.Text.Json;

namespace PortalInfra.Tests;

/// <summary>CloudWatch alarms: 5xx rate, p99 latency, DynamoDB throttles, DLQ depth, fraud-block spike, audit verification failure.</summary>
public sealed class AlarmsTests(SynthesizedStack stack)
{
    private JsonElement Alarm(Amazon.CDK.AWS.CloudWatch.Alarm alarm) => stack.Resource(stack.LogicalId(alarm)).GetProperty("Properties");

    private static IEnumerable<string> MetricNames(JsonElement alarm) =>
        alarm.TryGetProperty("Metrics", out var metrics)
            ? metrics.EnumerateArray().Where(m => m.TryGetProperty("MetricStat", out _)).Select(m => m.GetProperty("MetricStat").GetProperty("Metric").GetProperty("MetricName").GetString()!)
            : [alarm.GetProperty("MetricName").GetString()!];

    private static IEnumerable<string> Namespaces(JsonElement alarm) =>
        alarm.TryGetProperty("Metrics", out var metrics)
            ? metrics.EnumerateArray().Where(m => m.TryGetProperty("MetricStat", out _)).Select(m => m.GetProperty("MetricStat").GetProperty("Metric").GetProperty("Namespace").GetString()!)
            : [alarm.GetProperty("Namespace").GetString()!];

    [Fact]
    public void There_are_seven_alarms_each_notifying_the_alarm_topic()
    {
        var alarms = stack.OfType("AWS::CloudWatch::Alarm");
        alarms.Count.ShouldBe(7);
        var topicRef = $"{{\"Ref\":\"{stack.LogicalId(stack.Stack.Alarms.Topic)}\"}}";
        alarms.ShouldAllBe(a => a.Properties.GetProperty("AlarmActions").EnumerateArray().Any(x => SynthesizedStack.Compact(x) == topicRef));
    }

    [Fact]
    public void The_5xx_rate_alarm_divides_target_and_load_balancer_5xx_by_requests()
    {
        var alarm = Alarm(stack.Stack.Alarms.ServerErrorRate);
        MetricNames(alarm).ShouldBe(new[] { "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount" }, ignoreOrder: true);
        SynthesizedStack.Compact(alarm).ShouldContain("/ requests");
    }

    [Fact]
    public void The_latency_alarm_watches_p99_target_response_time()
    {
        var alarm = Alarm(stack.Stack.Alarms.LatencyP99);
        alarm.GetProperty("MetricName").GetString().ShouldBe("TargetResponseTime");
        alarm.GetProperty("ExtendedStatistic").GetString().ShouldBe("p99");
        alarm.GetProperty("Namespace").GetString().ShouldBe("AWS/ApplicationELB");
    }

    [Fact]
    public void The_throttle_alarm_covers_reads_and_writes_of_every_portal_table()
    {
        var (reads, writes) = (Alarm(stack.Stack.Alarms.DynamoThrottles[0]), Alarm(stack.Stack.Alarms.DynamoThrottles[1]));
        foreach (var alarm in new[] { reads, writes })
        {
            var json = SynthesizedStack.Compact(alarm);
            foreach (var table in stack.Stack.Data.Tables.Values)
            {
                json.ShouldContain($"{{\"Ref\":\"{stack.LogicalId(table)}\"}}");
            }

            MetricNames(alarm).Count().ShouldBeLessThanOrEqualTo(10); // CloudWatch's limit for one alarm's math
        }

        MetricNames(reads).ShouldAllBe(n => n == "ReadThrottleEvents");
        MetricNames(reads).Count().ShouldBe(stack.Stack.Data.Tables.Count);
        MetricNames(writes).ShouldAllBe(n => n == "WriteThrottleEvents");
        MetricNames(writes).Count().ShouldBe(stack.Stack.Data.Tables.Count);
    }

    [Fact]
    public void The_DLQ_alarm_fires_on_the_first_dead_letter()
    {
        var alarm = Alarm(stack.Stack.Alarms.DeadLetters);
        alarm.GetProperty("MetricName").GetString().ShouldBe("ApproximateNumberOfMessagesVisible");
        alarm.GetProperty("Threshold").GetDouble().ShouldBe(1);
        SynthesizedStack.Compact(alarm.GetProperty("Dimensions")).ShouldContain(stack.LogicalId(stack.Stack.Messaging.DeadLetterQueue));
    }

    [Fact]
    public void The_fraud_spike_alarm_reads_the_portal_custom_metrics()
    {
        var alarm = Alarm(stack.Stack.Alarms.FraudBlockSpike);
        Namespaces(alarm).ShouldAllBe(n => n == PortalMetrics.Namespace);
        MetricNames(alarm).ShouldBe(new[] { PortalMetrics.FraudBlocks, PortalMetrics.PaymentsInitiated }, ignoreOrder: true);
    }

    [Fact]
    public void The_audit_verification_alarm_fires_on_a_failure_or_on_silence()
    {
        var alarm = Alarm(stack.Stack.Alarms.AuditVerificationFailed);
        alarm.GetProperty("Namespace").GetString().ShouldBe(PortalMetrics.Namespace);
        alarm.GetProperty("MetricName").GetString().ShouldBe(PortalMetrics.AuditVerificationFailures);
        alarm.GetProperty("Threshold").GetDouble().ShouldBe(1);
        alarm.GetProperty("TreatMissingData").GetString().ShouldBe("breaching");
    }
}
