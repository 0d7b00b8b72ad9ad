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

    // IPv6 prefixes that carry an IPv4 address (NAT64, 6to4, IPv4-compatible, IPv4-mapped) reach IPv4 space through a
    // translator or tunnel: the embedded address decides. The local-use NAT64 prefix and Teredo are refused outright.
    [Theory]
    [InlineData("64:ff9b::7f00:1", true)]          // NAT64 well-known prefix, 127.0.0.1
    [InlineData("64:ff9b::a9fe:a9fe", true)]       // NAT64, 169.254.169.254 (cloud metadata)
    [InlineData("64:ff9b::a00:5", true)]           // NAT64, 10.0.0.5
    [InlineData("64:ff9b::5db8:d70e", false)]      // NAT64, 93.184.215.14 (public)
    [InlineData("64:ff9b:1::5db8:d70e", true)]     // local-use NAT64 (RFC 8215): a site's own translator
    [InlineData("2002:7f00:1::1", true)]           // 6to4 of 127.0.0.1
    [InlineData("2002:c0a8:101::1", true)]         // 6to4 of 192.168.1.1
    [InlineData("2002:a9fe:a9fe::", true)]         // 6to4 of 169.254.169.254
    [InlineData("2002:5db8:d70e::1", false)]       // 6to4 of a public address
    [InlineData("::7f00:1", true)]                 // IPv4-compatible 127.0.0.1
    [InlineData("::a9fe:a9fe", true)]              // IPv4-compatible 169.254.169.254
    [InlineData("::", true)]                       // unspecified
    [InlineData("::ffff:10.0.0.5", true)]          // IPv4-mapped
    [InlineData("::ffff:a9fe:a9fe", true)]         // IPv4-mapped, hex spelling
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", true)] // Teredo tunnel
    public void Ipv6_addresses_that_embed_ipv4_are_judged_by_the_ipv4_address(string address, bool isInternal) =>
        WebhookUrlPolicy.IsInternal(IPAddress.Parse(address)).ShouldBe(isInternal);

    [Theory]
    [InlineData("https://[64:ff9b::a9fe:a9fe]/hook")]
    [InlineData("https://[2002:a9fe:a9fe::1]/hook")]
    [InlineData("https://[::a9fe:a9fe]/hook")]
    [InlineData("https://[::ffff:169.254.169.254]/hook")]
    public void Urls_to_ipv6_spellings_of_internal_ipv4_addresses_are_refused(string url) =>
        new WebhookUrlPolicy(new StaticOptionsMonitor<WebhookOptions>(new WebhookOptions())).CheckFormat(url).ShouldNotBeNull();

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
