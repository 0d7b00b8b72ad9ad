namespace Portal.Core.Notifications;

/// <summary>An email to send. <see cref="ActionUrl"/> is the one link the message is about (confirm, reset).</summary>
public sealed record EmailMessage(Guid Id, string To, string Subject, string Body, string? ActionUrl, DateTimeOffset CreatedAt);

/// <summary>Outgoing email. Embedded mode writes messages to the data folder; a real transport plugs in here.</summary>
public interface IEmailOutbox
{
    Task SendAsync(string to, string subject, string body, string? actionUrl, CancellationToken cancellationToken = default);

    /// <summary>Messages newest first (embedded mode only; for the development outbox page and tests).</summary>
    Task<IReadOnlyList<EmailMessage>> ListAsync(int limit, CancellationToken cancellationToken = default);
}
