using Microsoft.AspNetCore.Diagnostics;
using Portal.Core.Security;

namespace Portal.Web;

/// <summary>
/// The unexpected, on the API: a 500 problem with a trace id and nothing else (no exception text, which could carry data).
/// Storage that is busy (a full write queue) or unavailable is a 503 problem with Retry-After, not a 500.
/// Bad request bodies (malformed JSON, wrong types) arrive here as <see cref="BadHttpRequestException"/> and become 400s.
/// Pages fall through to the /error page.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // By now the request path is already the /error page's: the feature keeps the original.
        var path = httpContext.Features.Get<IExceptionHandlerFeature>()?.Path ?? httpContext.Request.Path;
        if (!path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
                (413, "Request body too large", "The request body is larger than this endpoint accepts."),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => (415, "Unsupported media type", RequestCharset.Problem),
            BadHttpRequestException bad => (bad.StatusCode, "Invalid request", BodyProblem(bad)),
            Core.StorageBusyException => (503, "Busy, try again", "The service is taking more writes than it can queue right now. Retry after the time in the Retry-After header."),
            Core.StorageUnavailableException => (503, "Storage unavailable", "The service's storage did not answer in time. Retry in a few seconds."),
            _ => (500, "Something went wrong", "The request failed on our side. Quote the trace id if you contact support."),
        };
        if (status == 500)
        {
            logger.LogError(exception, "Unhandled API error on {Method} {Path}", httpContext.Request.Method, path);
        }
        else if (status == 503)
        {
            logger.LogWarning("API request {Method} {Path} answered 503: {Reason}", httpContext.Request.Method, path, exception.Message);
        }

        httpContext.Response.StatusCode = status;
        if (status == 503)
        {
            var retryAfter = exception is Core.StorageBusyException busy ? busy.RetryAfter : TimeSpan.FromSeconds(5);
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    // The JSON reader's path names the field (for example "$.email") but never echoes values; an unknown property's path is
    // its name, which is left out when it looks like a card number.
    private static string BodyProblem(BadHttpRequestException bad) =>
        bad.InnerException is System.Text.Json.JsonException json
            ? $"The request body is not valid JSON for this endpoint{(json.Path is { Length: > 0 } path && !CardNumberDetector.ContainsCardNumber(path) ? $" at '{path}'" : "")}."
            : "The request could not be read. Send a JSON body with Content-Type: application/json.";
}
