using System.Text.Json;
using System.Text.Json.Serialization;

// The ceiling the payment benchmark is printed beside: Kestrel with one endpoint and nothing else (no authentication,
// middleware or logging), on the same machine and in the same run as the portal (bench/payments.sh,
// bench/payments-ratio.sh). POST /payments parses the same small JSON body the portal's payment endpoint takes and
// answers 201: the bare minimal-API cost of one payment-shaped request.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BareJson.Default));
var app = builder.Build();
app.MapGet("/", () => "ok");
app.MapPost("/payments", (BarePayment body) => TypedResults.Created($"/payments/{body.OrderId}", new BareCreated(body.OrderId, body.Amount, body.Currency)));
app.Run();

internal sealed record BarePayment(long Amount, string Currency, string CustomerId, string PaymentMethod, string OrderId);

internal sealed record BareCreated(string Id, long Amount, string Currency);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BarePayment))]
[JsonSerializable(typeof(BareCreated))]
internal sealed partial class BareJson : JsonSerializerContext;
