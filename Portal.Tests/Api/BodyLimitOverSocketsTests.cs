using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

/// <summary>
/// The body limits over real sockets (Kestrel), where the connection matters: an oversize body is answered with a 413
/// problem that the client receives, and the connection stays usable. Found by <see cref="ApiFuzzTests"/> over Kestrel.
/// </summary>
public sealed class BodyLimitOverSocketsTests : IAsyncLifetime
{
    private readonly PortalFactory _factory = new();
    private HttpClient _http = default!;

    public ValueTask InitializeAsync()
    {
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_factory.StartKestrel()) };
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    [Theory]
    [InlineData("/api/v1/webhooks/stripe")] // declares its own, larger limit (256 KB)
    [InlineData("/api/v1/payments")] // the API default (64 KB)
    public async Task An_oversize_body_is_answered_413_and_the_connection_stays_usable(string path)
    {
        // Twice on one client: the second request reuses the pooled connection the first one left.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var body = new ByteArrayContent(new byte[2 * 1024 * 1024]);
            body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

            using var response = await _http.PostAsync(path, body, TestContext.Current.CancellationToken);

            await response.ShouldBeProblemAsync(413);
        }
    }
}
