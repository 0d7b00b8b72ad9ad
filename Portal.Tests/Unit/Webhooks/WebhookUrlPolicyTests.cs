using System.Net;
using Portal.Core.Webhooks;

namespace Portal.Tests.Unit.Webhooks;

public sealed class WebhookUrlPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.0.0.5", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("93.184.215.14", false)]
    [InlineData("2606:4700::1111", false)]
    public void Internal_addresses_are_recognised(string address, bool isInternal) =>
        WebhookUrlPolicy.IsInternal(IPAddress.Parse(address)).ShouldBe(isInternal);

    [Fact]
    public void Insecure_urls_are_allowed_only_when_configured()
    {
        var strict = new WebhookUrlPolicy(new StaticOptionsMonitor<WebhookOptions>(new WebhookOptions()));
        var relaxed = new WebhookUrlPolicy(new StaticOptionsMonitor<WebhookOptions>(new WebhookOptions { AllowInsecureUrls = true }));

        strict.CheckFormat("http://127.0.0.1:5000/hook").ShouldNotBeNull();
        relaxed.CheckFormat("http://127.0.0.1:5000/hook").ShouldBeNull();
        relaxed.CheckFormat("http://user:pw@127.0.0.1:5000/hook").ShouldNotBeNull(); // never credentials
        strict.CheckFormat("https://hooks.example.com/portal?tenant=1").ShouldBeNull();
    }
}
