namespace Portal.Web;

internal static class SharedSettings
{
    /// <summary>
    /// The repository's top-level appsettings.json is the shared configuration (copied beside the binary at build).
    /// It loads first, so Portal's own appsettings.{Environment}.json, environment variables and arguments still override it.
    /// </summary>
    public static void AddPortalSharedSettings(this ConfigurationManager configuration)
    {
        var shared = Path.Combine(AppContext.BaseDirectory, "appsettings.shared.json");
        var sources = configuration.Sources;
        var insertAt = sources.ToList().FindIndex(s => s is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource);
        var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = shared, Optional = false, ReloadOnChange = false };
        source.ResolveFileProvider();
        if (insertAt < 0)
        {
            sources.Add(source);
        }
        else
        {
            sources.Insert(insertAt, source);
        }
    }
}
