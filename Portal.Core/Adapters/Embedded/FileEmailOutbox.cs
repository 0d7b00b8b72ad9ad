using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portal.Core.Notifications;
using Portal.Core.Security;

namespace Portal.Core.Adapters.Embedded;

/// <summary>One JSON file per message under <c>{data}/outbox</c>. The message holds its link (a secret token); the log line does not.</summary>
internal sealed class FileEmailOutbox(string folder, TimeProvider clock, ILogger<FileEmailOutbox> logger) : IEmailOutbox
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public async Task SendAsync(string to, string subject, string body, string? actionUrl, CancellationToken cancellationToken = default)
    {
        PrivateFiles.CreateFolder(folder);
        var now = clock.GetUtcNow();
        var message = new EmailMessage(Guid.CreateVersion7(now), to, subject, body, actionUrl, now);
        var path = Path.Combine(folder, $"{message.Id:N}.json");
        await PrivateFiles.WriteAtomicallyAsync(path, JsonSerializer.SerializeToUtf8Bytes(message, Json), overwrite: false, cancellationToken);
        logger.LogInformation("Email '{Subject}' to {To} written to the outbox", subject, Masking.Email(to));
    }

    public async Task<IReadOnlyList<EmailMessage>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var messages = new List<EmailMessage>();
        // File names are version-7 GUIDs: ordinal order is time order.
        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal).Reverse().Take(limit))
        {
            await using var stream = File.OpenRead(path);
            if (await JsonSerializer.DeserializeAsync<EmailMessage>(stream, Json, cancellationToken) is { } message)
            {
                messages.Add(message);
            }
        }

        return messages;
    }
}
