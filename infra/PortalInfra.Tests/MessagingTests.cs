namespace PortalInfra.Tests;

/// <summary>SQS: the events queue redrives to its dead-letter queue.</summary>
public sealed class MessagingTests(SynthesizedStack stack)
{
    [Fact]
    public void Failed_messages_move_to_the_dead_letter_queue_after_five_receives()
    {
        var queue = stack.Resource(stack.LogicalId(stack.Stack.Messaging.Queue)).GetProperty("Properties");
        var redrive = queue.GetProperty("RedrivePolicy");
        redrive.GetProperty("maxReceiveCount").GetInt32().ShouldBe(5);
        SynthesizedStack.Compact(redrive.GetProperty("deadLetterTargetArn")).ShouldBe(SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Messaging.DeadLetterQueue)));
        var dlq = stack.Resource(stack.LogicalId(stack.Stack.Messaging.DeadLetterQueue)).GetProperty("Properties");
        dlq.GetProperty("MessageRetentionPeriod").GetInt32().ShouldBe(14 * 24 * 3600);
        foreach (var (id, q) in stack.OfType("AWS::SQS::Queue"))
        {
            q.GetProperty("SqsManagedSseEnabled").GetBoolean().ShouldBeTrue(id);
        }
    }
}
