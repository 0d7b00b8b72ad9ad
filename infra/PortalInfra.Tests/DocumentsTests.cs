using System.Text.Json;

namespace PortalInfra.Tests;

/// <summary>The KYC documents bucket: SSE-KMS with Bucket Key, versioning, public access block, policies, lifecycle, access logs.</summary>
public sealed class DocumentsTests(SynthesizedStack stack)
{
    private JsonElement DocumentsBucket => stack.Resource(stack.LogicalId(stack.Stack.Documents.Bucket)).GetProperty("Properties");

    private List<JsonElement> PolicyStatements()
    {
        var bucketId = stack.LogicalId(stack.Stack.Documents.Bucket);
        var policy = stack.OfType("AWS::S3::BucketPolicy").Single(p => SynthesizedStack.Compact(p.Properties.GetProperty("Bucket")) == $"{{\"Ref\":\"{bucketId}\"}}");
        return [.. policy.Properties.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray()];
    }

    [Fact]
    public void Documents_are_encrypted_with_SSE_KMS_under_the_documents_key_and_a_bucket_key()
    {
        var rule = DocumentsBucket.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration")[0];
        rule.GetProperty("BucketKeyEnabled").GetBoolean().ShouldBeTrue();
        var byDefault = rule.GetProperty("ServerSideEncryptionByDefault");
        byDefault.GetProperty("SSEAlgorithm").GetString().ShouldBe("aws:kms");
        SynthesizedStack.Compact(byDefault.GetProperty("KMSMasterKeyID")).ShouldBe(SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Keys.DocumentsKey)));
    }

    [Fact]
    public void Every_bucket_blocks_all_public_access()
    {
        var buckets = stack.OfType("AWS::S3::Bucket");
        buckets.Count.ShouldBe(3); // documents, their access logs, CloudTrail's
        foreach (var (id, bucket) in buckets)
        {
            var block = bucket.GetProperty("PublicAccessBlockConfiguration");
            foreach (var setting in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
            {
                block.GetProperty(setting).GetBoolean().ShouldBeTrue($"{id} {setting}");
            }
        }
    }

    [Fact]
    public void Every_bucket_policy_denies_requests_without_TLS()
    {
        foreach (var (id, policy) in stack.OfType("AWS::S3::BucketPolicy"))
        {
            policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().Any(s =>
                s.GetProperty("Effect").GetString() == "Deny"
                && s.GetProperty("Condition").TryGetProperty("Bool", out var b) && b.GetProperty("aws:SecureTransport").GetString() == "false").ShouldBeTrue(id);
        }

        // The documents bucket also refuses TLS older than 1.2.
        PolicyStatements().Any(s => s.GetProperty("Effect").GetString() == "Deny"
            && s.GetProperty("Condition").TryGetProperty("NumericLessThan", out var n) && n.GetProperty("s3:TlsVersion").ToString() == "1.2").ShouldBeTrue();
    }

    [Fact]
    public void Puts_without_SSE_KMS_or_under_another_key_are_denied()
    {
        var statements = PolicyStatements();
        var noKms = statements.Single(s => s.TryGetProperty("Sid", out var sid) && sid.GetString() == "DenyPutsWithoutSseKms");
        noKms.GetProperty("Effect").GetString().ShouldBe("Deny");
        noKms.GetProperty("Action").GetString().ShouldBe("s3:PutObject");
        noKms.GetProperty("Condition").GetProperty("StringNotEquals").GetProperty("s3:x-amz-server-side-encryption").GetString().ShouldBe("aws:kms");

        var otherKey = statements.Single(s => s.TryGetProperty("Sid", out var sid) && sid.GetString() == "DenyPutsUnderAnotherKey");
        otherKey.GetProperty("Effect").GetString().ShouldBe("Deny");
        SynthesizedStack.Compact(otherKey.GetProperty("Condition").GetProperty("StringNotEquals").GetProperty("s3:x-amz-server-side-encryption-aws-kms-key-id"))
            .ShouldBe(SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Keys.DocumentsKey)));
    }

    [Fact]
    public void Documents_are_versioned_and_old_versions_move_to_colder_storage_then_expire()
    {
        DocumentsBucket.GetProperty("VersioningConfiguration").GetProperty("Status").GetString().ShouldBe("Enabled");
        var rule = DocumentsBucket.GetProperty("LifecycleConfiguration").GetProperty("Rules").EnumerateArray().Single(r => r.GetProperty("Id").GetString() == "old-versions");
        rule.GetProperty("Status").GetString().ShouldBe("Enabled");
        rule.GetProperty("NoncurrentVersionExpiration").GetProperty("NoncurrentDays").GetInt32().ShouldBe(365);
        var transition = rule.GetProperty("NoncurrentVersionTransitions")[0];
        transition.GetProperty("StorageClass").GetString().ShouldBe("GLACIER_IR");
        transition.GetProperty("TransitionInDays").GetInt32().ShouldBe(30);
    }

    [Fact]
    public void Access_to_documents_is_logged_to_the_access_log_bucket()
    {
        var logging = DocumentsBucket.GetProperty("LoggingConfiguration");
        SynthesizedStack.Compact(logging.GetProperty("DestinationBucketName")).ShouldBe($"{{\"Ref\":\"{stack.LogicalId(stack.Stack.Documents.AccessLogs)}\"}}");
        logging.GetProperty("LogFilePrefix").GetString().ShouldBe("documents/");
    }
}
