using System.ComponentModel.DataAnnotations;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Portal.Core.Diagnostics;

namespace Portal.Web;

/// <summary>Settings of section <c>Telemetry</c>: where traces and metrics go. Nothing leaves the process unless an endpoint is set.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// The OTLP collector (<c>http://collector:4317</c> for gRPC, or <c>…:4318</c> with <see cref="OtlpProtocol"/> <c>HttpProtobuf</c>).
    /// Unset (the default): no exporter; traces still give every request, log line and audit event its trace id.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;

    [Required(AllowEmptyStrings = false)]
    public string ServiceName { get; set; } = "merchant-portal";

    /// <summary>JSON log lines (one object a line, with TraceId and SpanId) on the console. Unset: JSON everywhere but Development, where plain lines read better.</summary>
    public bool? JsonLogs { get; set; }
}

/// <summary>
/// OpenTelemetry tracing and metrics (issue 19): ASP.NET Core and outgoing HTTP are instrumented, so one W3C trace id runs
/// from the API request through the audit trail, the outbox, webhook deliveries (header) and the processor (metadata).
/// Logs carry the trace id too: structured JSON on the console (or plain text in Development).
/// </summary>
internal static class PortalTelemetry
{
    public static WebApplicationBuilder AddPortalTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();

        // Every log line written inside a request or a traced job says which trace it belongs to.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (options.JsonLogs ?? !builder.Environment.IsDevelopment())
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithTracing(t => t.AddSource(PortalActivities.SourceName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
            .WithMetrics(m => m.AddMeter(PortalActivities.SourceName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
        if (options.OtlpEndpoint is { } endpoint)
        {
            telemetry.WithTracing(t => t.AddOtlpExporter(o => (o.Endpoint, o.Protocol) = (endpoint, options.OtlpProtocol)))
                .WithMetrics(m => m.AddOtlpExporter(o => (o.Endpoint, o.Protocol) = (endpoint, options.OtlpProtocol)));
        }

        return builder;
    }

    /// <summary>Every API answer names its trace (header <c>Portal-Trace-Id</c>), so a caller can quote it to support and an admin can search it.</summary>
    public static void UseTraceIdHeader(this WebApplication app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api") && TraceIds.Current is { } traceId)
            {
                context.Response.Headers[TraceIds.Header] = traceId;
            }

            return next(context);
        });
}
