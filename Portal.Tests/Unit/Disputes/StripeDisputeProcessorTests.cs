using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core;
using Portal.Core.Adapters.Stripe;
using Portal.Core.Disputes;
using Portal.Tests.Infrastructure;
using Portal.Tests.Unit.Payments;

namespace Portal.Tests.Unit.Disputes;

/// <summary>The requests <see cref="StripeDisputeProcessor"/> sends: the evidence update with submit=true, and close.</summary>
public sealed class StripeDisputeProcessorTests : IDisposable
{
    private const string SecretKey = "sk_test_51SecretKeyThatMustNeverLeak0123456789";
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeStripeHandler _stripe = new();
    private readonly MemoryDocumentStore _documents = new();
    private readonly ConcurrentQueue<string> _logs = new();
    private readonly ILoggerFactory _loggers;

    public StripeDisputeProcessorTests() => _loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(_logs)));

    public void Dispose() => _loggers.Dispose();

    private StripeDisputeProcessor Processor() => new(
        Options.Create(new StripeOptions { SecretKey = SecretKey, WebhookSecret = "whsec_test", MaxNetworkRetries = 0 }),
        new HttpClient(_stripe),
        _documents,
        _loggers.CreateLogger<StripeDisputeProcessor>());

    private static Dispute NewDispute(DisputeEvidence evidence) => new(Guid.CreateVersion7(T0), "stripe", "du_1Q2w3E", Guid.CreateVersion7(T0), Guid.CreateVersion7(T0), "fraudulent",
        new Money(125000, "ngn"), T0.AddDays(7), DisputeStatus.UnderReview, EvidenceState.Submitted, evidence, [], T0, T0, T0, "m@shop.example", T0, null, 4);

    private const string DisputeBody = """{"id": "du_1Q2w3E", "object": "dispute", "amount": 125000, "currency": "ngn", "status": "under_review"}""";

    [Fact]
    public async Task Submit_updates_the_disputes_evidence_with_submit_true_under_an_idempotency_key()
    {
        _stripe.Respond(200, DisputeBody);
        var evidence = new DisputeEvidence("Blue silk scarf", "Ada Obi", "ada@example.com", "12 Marina Road, Lagos", "2026-11-20", "DHL", "JD014600006281",
            "Refunds within 30 days", "Never cancelled", "Delivered and signed for.");
        var dispute = NewDispute(evidence);

        var result = await Processor().SubmitEvidenceAsync(dispute, TestContext.Current.CancellationToken);

        result.Succeeded.ShouldBeTrue();
        var request = _stripe.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe("POST");
        request.Uri.AbsolutePath.ShouldBe("/v1/disputes/du_1Q2w3E");
        request.Headers["Authorization"].ShouldBe("Bearer " + SecretKey);
        request.Headers["Idempotency-Key"].ShouldStartWith(dispute.DisplayId + "-submit-");
        request.Form["submit"].ShouldBe("true");
        request.Form["evidence[product_description]"].ShouldBe("Blue silk scarf");
        request.Form["evidence[customer_name]"].ShouldBe("Ada Obi");
        request.Form["evidence[customer_email_address]"].ShouldBe("ada@example.com");
        request.Form["evidence[billing_address]"].ShouldBe("12 Marina Road, Lagos");
        request.Form["evidence[service_date]"].ShouldBe("2026-11-20");
        request.Form["evidence[shipping_carrier]"].ShouldBe("DHL");
        request.Form["evidence[shipping_tracking_number]"].ShouldBe("JD014600006281");
        request.Form["evidence[refund_policy_disclosure]"].ShouldBe("Refunds within 30 days");
        request.Form["evidence[cancellation_rebuttal]"].ShouldBe("Never cancelled");
        request.Form["evidence[uncategorized_text]"].ShouldBe("Delivered and signed for.");
        request.Form["metadata[dispute_id]"].ShouldBe(dispute.DisplayId);
    }

    [Fact]
    public async Task A_retried_submission_of_the_same_evidence_reuses_its_key_and_changed_evidence_gets_a_new_one()
    {
        _stripe.Respond(200, DisputeBody);
        _stripe.Respond(200, DisputeBody);
        _stripe.Respond(200, DisputeBody);
        var dispute = NewDispute(new DisputeEvidence(Explanation: "Delivered."));

        await Processor().SubmitEvidenceAsync(dispute, TestContext.Current.CancellationToken);
        await Processor().SubmitEvidenceAsync(dispute with { Version = 9 }, TestContext.Current.CancellationToken);
        await Processor().SubmitEvidenceAsync(dispute with { Evidence = new DisputeEvidence(Explanation: "Delivered, signed.") }, TestContext.Current.CancellationToken);

        var keys = _stripe.Requests.Select(r => r.Headers["Idempotency-Key"]).ToList();
        keys[1].ShouldBe(keys[0]);
        keys[2].ShouldNotBe(keys[0]);
    }

    [Fact]
    public async Task Empty_fields_are_not_sent()
    {
        _stripe.Respond(200, DisputeBody);

        await Processor().SubmitEvidenceAsync(NewDispute(new DisputeEvidence(Explanation: "Delivered.")), TestContext.Current.CancellationToken);

        var form = _stripe.Requests.ShouldHaveSingleItem().Form;
        form.Keys.Where(k => k.StartsWith("evidence[", StringComparison.Ordinal)).ShouldBe(["evidence[uncategorized_text]"]);
    }

    [Fact]
    public async Task Accept_closes_the_dispute()
    {
        _stripe.Respond(200, DisputeBody);
        var dispute = NewDispute(DisputeEvidence.Empty);

        (await Processor().AcceptAsync(dispute, TestContext.Current.CancellationToken)).Succeeded.ShouldBeTrue();

        var request = _stripe.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe("POST");
        request.Uri.AbsolutePath.ShouldBe("/v1/disputes/du_1Q2w3E/close");
        request.Headers["Idempotency-Key"].ShouldBe(dispute.DisplayId + "-close");
    }

    [Fact]
    public async Task A_refusal_is_a_result_with_the_portals_own_words_and_no_secret_in_the_logs()
    {
        _stripe.Respond(400, """{"error": {"type": "invalid_request_error", "code": "dispute_already_submitted", "message": "This dispute is already closed. sk_test_****6789"}}""");

        var result = await Processor().SubmitEvidenceAsync(NewDispute(new DisputeEvidence(Explanation: "x")), TestContext.Current.CancellationToken);

        result.Succeeded.ShouldBeFalse();
        result.Message.ShouldNotBeNull().ShouldNotContain("sk_test");
        _logs.ShouldNotBeEmpty();
        _logs.ShouldAllBe(line => !line.Contains("sk_test", StringComparison.Ordinal) && !line.Contains("Delivered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_processor_is_a_result_not_an_exception()
    {
        _stripe.Fail(new HttpRequestException("refused", null, HttpStatusCode.ServiceUnavailable));

        var result = await Processor().SubmitEvidenceAsync(NewDispute(new DisputeEvidence(Explanation: "x")), TestContext.Current.CancellationToken);

        result.Succeeded.ShouldBeFalse();
        result.Message.ShouldNotBeNull().ShouldContain("could not be reached");
    }
    private const string FileBody = """{"id": "file_1Rcpt", "object": "file", "purpose": "dispute_evidence"}""";

    private async Task<EvidenceFile> StoredFileAsync(EvidenceFileType type, string content)
    {
        var key = $"disputes/test/{Guid.NewGuid():N}";
        var version = await _documents.PutAsync(key, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), "application/pdf", TestContext.Current.CancellationToken);
        return new EvidenceFile(Guid.CreateVersion7(T0), type, key, version, "application/pdf", content.Length, new string('a', 64), T0);
    }

    [Fact]
    public async Task Evidence_files_are_uploaded_to_the_file_api_first_and_named_in_their_evidence_fields()
    {
        var receipt = await StoredFileAsync(EvidenceFileType.Receipt, "%PDF-1.7 receipt for order-7");
        var letter = await StoredFileAsync(EvidenceFileType.CustomerCommunication, "%PDF-1.7 customer letter");
        _stripe.Respond(200, FileBody);
        _stripe.Respond(200, FileBody.Replace("file_1Rcpt", "file_2Ltr", StringComparison.Ordinal));
        _stripe.Respond(200, DisputeBody);
        var dispute = NewDispute(new DisputeEvidence(Explanation: "Delivered.")) with { Files = [receipt, letter] };

        (await Processor().SubmitEvidenceAsync(dispute, TestContext.Current.CancellationToken)).Succeeded.ShouldBeTrue();

        _stripe.Requests.Count.ShouldBe(3);
        var upload = _stripe.Requests[0];
        upload.Method.ShouldBe("POST");
        upload.Uri.AbsolutePath.ShouldBe("/v1/files");
        upload.ContentType.ShouldBe("multipart/form-data");
        upload.Body.ShouldContain("%PDF-1.7 receipt for order-7"); // the plaintext, decrypted from the portal's store
        upload.Body.ShouldContain("dispute_evidence");
        upload.Headers["Idempotency-Key"].ShouldBe($"{dispute.DisplayId}-file-{receipt.Id:N}");
        _stripe.Requests[1].Body.ShouldContain("%PDF-1.7 customer letter");
        var update = _stripe.Requests[2];
        update.Uri.AbsolutePath.ShouldBe("/v1/disputes/du_1Q2w3E");
        update.Form["evidence[receipt]"].ShouldBe("file_1Rcpt");
        update.Form["evidence[customer_communication]"].ShouldBe("file_2Ltr");
        update.Form["submit"].ShouldBe("true");
    }

    [Fact]
    public async Task Two_files_of_one_kind_are_refused_before_anything_is_sent()
    {
        var dispute = NewDispute(new DisputeEvidence(Explanation: "Delivered.")) with
        {
            Files = [await StoredFileAsync(EvidenceFileType.Receipt, "one"), await StoredFileAsync(EvidenceFileType.Receipt, "two")],
        };

        var result = await Processor().SubmitEvidenceAsync(dispute, TestContext.Current.CancellationToken);

        result.Succeeded.ShouldBeFalse();
        result.Message.ShouldBe("Stripe takes one file per kind of evidence: keep one receipt file (2 are attached) and submit again.");
        _stripe.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_file_missing_from_the_store_refuses_the_submission_and_the_evidence_is_not_sent()
    {
        var missing = new EvidenceFile(Guid.CreateVersion7(T0), EvidenceFileType.Receipt, "disputes/gone", "v0", "application/pdf", 10, new string('a', 64), T0);

        var result = await Processor().SubmitEvidenceAsync(NewDispute(new DisputeEvidence(Explanation: "Delivered.")) with { Files = [missing] },
            TestContext.Current.CancellationToken);

        result.Succeeded.ShouldBeFalse();
        result.Message!.ShouldContain("could not be read");
        _stripe.Requests.ShouldBeEmpty();
    }

    /// <summary>An in-memory document store: the processor reads evidence through the port, whatever the adapter.</summary>
    private sealed class MemoryDocumentStore : Portal.Core.Kyc.IDocumentStore
    {
        private readonly ConcurrentDictionary<(string Key, string Version), byte[]> _files = new();

        public async Task<string> PutAsync(string documentKey, Stream content, string contentType, CancellationToken cancellationToken)
        {
            using var copy = new MemoryStream();
            await content.CopyToAsync(copy, cancellationToken);
            var version = Guid.NewGuid().ToString("N");
            _files[(documentKey, version)] = copy.ToArray();
            return version;
        }

        public Task<Stream?> OpenReadAsync(string documentKey, string versionId, CancellationToken cancellationToken) =>
            Task.FromResult<Stream?>(_files.TryGetValue((documentKey, versionId), out var bytes) ? new MemoryStream(bytes, writable: false) : null);

        public Task<IReadOnlyList<Portal.Core.Kyc.DocumentVersion>> ListVersionsAsync(string documentKey, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Portal.Core.Kyc.DocumentVersion>>([]);
    }
}
