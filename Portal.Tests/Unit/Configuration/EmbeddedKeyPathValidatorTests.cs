using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Portal.Core;
using Portal.Core.Configuration;

namespace Portal.Tests.Unit.Configuration;

public sealed class EmbeddedKeyPathValidatorTests
{
    private static readonly string ContentRoot = Path.Combine(Path.GetTempPath(), "portal-content-root");

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(string environment, string? keyPath) =>
        new EmbeddedKeyPathValidator(new HostingEnvironment { EnvironmentName = environment, ContentRootPath = ContentRoot })
            .Validate(null, new PortalOptions { DataPath = "data", KeyPath = keyPath });

    [Fact]
    public void The_default_key_beside_the_data_is_allowed_for_a_local_run() =>
        Validate(Environments.Development, null).Succeeded.ShouldBeTrue();

    [Fact]
    public void Production_without_a_key_path_is_refused() =>
        Validate(Environments.Production, null).FailureMessage!.ShouldContain("Portal:KeyPath must be set in Production");

    [Fact]
    public void A_key_path_outside_the_data_folder_is_accepted() =>
        Validate(Environments.Production, Path.Combine(Path.GetTempPath(), "portal-secrets", "master.key")).Succeeded.ShouldBeTrue();

    [Theory]
    [InlineData("data/keys/master.key")]
    [InlineData("data/master.key")]
    [InlineData("./data/../data/master.key")]
    public void A_key_path_inside_the_data_folder_is_refused(string keyPath) =>
        Validate(Environments.Production, keyPath).FailureMessage!.ShouldContain("must be outside Portal:DataPath");

    [Fact]
    public void A_sibling_folder_whose_name_starts_like_the_data_folder_is_outside_it() =>
        Validate(Environments.Production, "data-keys/master.key").Succeeded.ShouldBeTrue();

    [Fact]
    public void A_key_path_naming_a_folder_is_refused() =>
        Validate(Environments.Production, Path.GetTempPath()).FailureMessage!.ShouldContain("must name a file");
}
