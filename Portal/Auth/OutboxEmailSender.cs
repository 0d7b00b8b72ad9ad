using Microsoft.AspNetCore.Identity;
using Portal.Core.Notifications;

namespace Portal.Auth;

/// <summary>Identity's emails go through the outbox port. Links arrive HTML-encoded from the pages; the outbox keeps them plain.</summary>
internal sealed class OutboxEmailSender(IEmailOutbox outbox) : IEmailSender<PortalUser>
{
    public Task SendConfirmationLinkAsync(PortalUser user, string email, string confirmationLink) =>
        outbox.SendAsync(email, "Confirm your Merchant Portal account",
            "Welcome to Merchant Portal. Confirm your email address to sign in.", Decode(confirmationLink));

    public Task SendPasswordResetLinkAsync(PortalUser user, string email, string resetLink) =>
        outbox.SendAsync(email, "Reset your Merchant Portal password",
            "Someone asked to reset your password. If it was you, follow the link; otherwise ignore this message.", Decode(resetLink));

    public Task SendPasswordResetCodeAsync(PortalUser user, string email, string resetCode) =>
        outbox.SendAsync(email, "Your Merchant Portal reset code", "Use the code from the portal's reset page.", null);

    private static string Decode(string link) => System.Net.WebUtility.HtmlDecode(link);
}
