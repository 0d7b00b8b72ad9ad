// The ceiling the payment benchmark is printed beside: Kestrel with one endpoint and nothing else (no authentication,
// middleware or logging), on the same machine and in the same run as the portal (bench/payments.sh).
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => "ok");
app.Run();
