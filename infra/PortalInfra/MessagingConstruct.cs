using Amazon.CDK;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace PortalInfra;

/// <summary>
/// The portal's work queue (webhook deliveries and outbox fan-out between instances) and its dead-letter queue: a message
/// that fails five receives moves to the DLQ, kept 14 days, and the DLQ depth alarm fires.
/// </summary>
public sealed class MessagingConstruct : Construct
{
    public Queue Queue { get; }
    public Queue DeadLetterQueue { get; }

    public MessagingConstruct(Construct scope, string id, PortalSettings settings) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        DeadLetterQueue = new Queue(this, "DeadLetters", new QueueProps
        {
            QueueName = $"{settings.Prefix}-events-dlq",
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
        });
        Queue = new Queue(this, "Events", new QueueProps
        {
            QueueName = $"{settings.Prefix}-events",
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            VisibilityTimeout = Duration.Seconds(60),
            RetentionPeriod = Duration.Days(4),
            DeadLetterQueue = new DeadLetterQueue { Queue = DeadLetterQueue, MaxReceiveCount = 5 },
        });
    }
}
