using Portal.Api;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.FileProviders;
using MudBlazor.Services;
using Portal.Components;
using Portal.Components.Account;
using Portal.Components.Compliance;
using Portal.Api.OpenApi;

namespace Portal.Web;

internal static class PortalWebExtensions
{
    /// <summary>HTTP concerns shared by every endpoint: JSON, problem details, rate limits, health, OpenAPI, body limits.</summary>
    public static IServiceCollection AddPortalWeb(this IServiceCollection services)
    {
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
            // "amount": "2500" is a wrong type, not a number: the web defaults would quietly accept it.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        services.AddPortalDataProtection();
        services.AddPortalForwardedHeaders();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Extensions["trace_id"] = Portal.Core.Diagnostics.TraceIds.Current ?? ctx.HttpContext.TraceIdentifier);
        services.AddExceptionHandler<ApiExceptionHandler>();
        // Binding failures (malformed JSON, wrong types, unknown fields) throw, so ApiExceptionHandler can name the field.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddIdRouteConstraints();
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = 16 * 1024 * 1024);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPortalPolicies();
            o.OnRejected = async (ctx, token) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails = { Status = 429, Title = "Too many attempts", Detail = "Too many sign-in or sign-up attempts from this address. Wait a minute and try again." },
                });
            };
        });
        services.AddSingleton<StorageHealthCheck>(); // one instance, so its short cache holds across requests
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);
        services.AddPortalOpenApi();
        return services;
    }

    /// <summary>Blazor with MudBlazor, and the per-circuit helpers.</summary>
    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddScoped<CircuitClient>();
        // Live screens stop their subscriptions while the client is away (Components/Payments/LiveCircuit.cs).
        services.AddScoped<Components.Payments.LiveCircuit>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(sp => sp.GetRequiredService<Components.Payments.LiveCircuit>());
        services.AddScoped<SignInAudit>();
        services.AddComplianceUi();
        services.AddSingleton<Operations.AdminCounts>();
        return services;
    }

    public static void UsePortalErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        // Pages: an empty 404 shows the not-found page. API (inner, so it answers first): every empty error
        // response (401, 403, 404, 405, 415...) becomes RFC 7807 problem details, which the outer one leaves alone.
        // Only page loads (GET, HEAD) are re-executed: a POST re-executed as POST /not-found meets the page's antiforgery
        // check and turned an anonymous fetch's 401 (for example portal.js's /account/activity ping) into a 400.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use((context, next) =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
                && context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
            {
                pages.Enabled = false;
            }

            return next(context);
        });
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages());
    }

    /// <summary>API bodies are small JSON documents: anything over the limit is refused while streaming, before it is buffered.</summary>
    public static void UseApiBodyLimit(this WebApplication app, long maxBytes = ApiBodyLimit.DefaultMaxBytes) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.Use(async (context, next) =>
        {
            // Endpoints that stream files declare their own limit (and enforce it while streaming).
            var largeBody = context.GetEndpoint()?.Metadata.GetMetadata<LargeBody>();
            var limit = largeBody?.MaxBytes ?? maxBytes;
            // Refused before Kestrel's own limit is changed: Kestrel drains an unread body after the 413 up to its limit,
            // and a limit below the declared length would reset the connection instead of delivering the answer.
            if (context.Request.ContentLength > limit)
            {
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }

            if (largeBody is not null && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server)
            {
                // Kestrel's server-wide ceiling would otherwise cut a configured upload limit above it short.
                server.MaxRequestBodySize = limit;
            }

            if (RequestCharset.IsUndecodable(context.Request))
            {
                throw new BadHttpRequestException(RequestCharset.Problem, StatusCodes.Status415UnsupportedMediaType);
            }

            context.Request.Body = new ApiBodyLimit(context.Request.Body, limit);
            await next();
        }));

    public static void UsePortalStaticAssets(this WebApplication app)
    {
        // Our own assets come from the top-level wwwroot-assets/ folder (copied beside the binary); framework and
        // MudBlazor assets from the static web assets pipeline.
        var assets = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets");
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(assets) });
        app.MapStaticAssets();
    }

    public static void MapPortalHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = HealthReports.WriteAsync }).AllowAnonymous();
    }
}
