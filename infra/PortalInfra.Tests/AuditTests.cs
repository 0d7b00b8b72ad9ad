using System.Text.Json;
using Portal.Core.Adapters.Aws;

namespace PortalInfra.Tests;

/// <summary>CloudTrail (PCI DSS Req. 10): data events for S3 and every table, file validation, an object-locked encrypted bucket.</summary>
public sealed class AuditTests(SynthesizedStack stack)
{
    private JsonElement Trail => stack.OfType("AWS::CloudTrail::Trail").Single().Properties;

    private static string? Field(JsonElement selector, string field, string op = "Equals") =>
        selector.GetProperty("FieldSelectors").EnumerateArray().Where(f => f.GetProperty("Field").GetString() == field && f.TryGetProperty(op, out _))
            .Select(f => SynthesizedStack.Compact(f.GetProperty(op))).SingleOrDefault();

    [Fact]
    public void The_trail_validates_log_files_is_multi_region_and_encrypted_under_the_audit_key()
    {
        Trail.GetProperty("EnableLogFileValidation").GetBoolean().ShouldBeTrue();
        Trail.GetProperty("IsMultiRegionTrail").GetBoolean().ShouldBeTrue();
        Trail.GetProperty("IsLogging").GetBoolean().ShouldBeTrue();
        SynthesizedStack.Compact(Trail.GetProperty("KMSKeyId")).ShouldBe(SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Keys.AuditKey)));
        Trail.TryGetProperty("EventSelectors", out _).ShouldBeFalse("advanced selectors only; the two kinds cannot be mixed");
    }

    [Fact]
    public void Management_events_and_document_object_data_events_are_logged()
    {
        var selectors = Trail.GetProperty("AdvancedEventSelectors").EnumerateArray().ToList();
        selectors.ShouldContain(s => Field(s, "eventCategory", "Equals") == "[\"Management\"]" && Field(s, "readOnly", "Equals") == null);
        var s3 = selectors.Single(s => Field(s, "resources.type", "Equals") == "[\"AWS::S3::Object\"]");
        Field(s3, "eventCategory").ShouldBe("[\"Data\"]");
        Field(s3, "readOnly").ShouldBeNull(); // reads and writes
        Field(s3, "resources.ARN", "StartsWith")!.ShouldContain(stack.LogicalId(stack.Stack.Documents.Bucket));
    }

    [Fact]
    public void Every_portal_table_has_DynamoDB_data_events_and_only_the_payments_table_is_limited_to_writes()
    {
        var dynamo = Trail.GetProperty("AdvancedEventSelectors").EnumerateArray().Where(s => Field(s, "resources.type") == "[\"AWS::DynamoDB::Table\"]").ToList();
        dynamo.ShouldAllBe(s => Field(s, "eventCategory", "Equals") == "[\"Data\"]");
        foreach (var definition in DynamoTableDefinitions.All)
        {
            var tableId = stack.LogicalId(stack.Stack.Data.Tables[definition.Store]);
            var covering = dynamo.Where(s => Field(s, "resources.ARN")!.Contains($"\"{tableId}\"", StringComparison.Ordinal)).ToList();
            covering.Count.ShouldBe(1, definition.Store);
            Field(covering[0], "readOnly").ShouldBe(definition == DynamoTableDefinitions.Payments ? "[\"false\"]" : null, definition.Store);
        }
    }

    [Fact]
    public void The_trail_bucket_is_object_locked_in_compliance_mode_versioned_and_KMS_encrypted()
    {
        var id = stack.LogicalId(stack.Stack.Audit.TrailBucket);
        SynthesizedStack.Compact(Trail.GetProperty("S3BucketName")).ShouldBe($"{{\"Ref\":\"{id}\"}}");
        var bucket = stack.Resource(id).GetProperty("Properties");
        bucket.GetProperty("ObjectLockEnabled").GetBoolean().ShouldBeTrue();
        var retention = bucket.GetProperty("ObjectLockConfiguration").GetProperty("Rule").GetProperty("DefaultRetention");
        retention.GetProperty("Mode").GetString().ShouldBe("COMPLIANCE");
        retention.GetProperty("Days").GetInt32().ShouldBeGreaterThanOrEqualTo(365);
        bucket.GetProperty("VersioningConfiguration").GetProperty("Status").GetString().ShouldBe("Enabled");
        var encryption = bucket.GetProperty("BucketEncryption").GetProperty("ServerSideEncryptionConfiguration")[0].GetProperty("ServerSideEncryptionByDefault");
        encryption.GetProperty("SSEAlgorithm").GetString().ShouldBe("aws:kms");
        SynthesizedStack.Compact(encryption.GetProperty("KMSMasterKeyID")).ShouldBe(SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Keys.AuditKey)));
    }

    [Fact]
    public void CloudTrail_may_write_to_its_bucket_and_encrypt_with_the_audit_key()
    {
        var bucketRef = $"{{\"Ref\":\"{stack.LogicalId(stack.Stack.Audit.TrailBucket)}\"}}";
        var policy = stack.OfType("AWS::S3::BucketPolicy").Single(p => SynthesizedStack.Compact(p.Properties.GetProperty("Bucket")) == bucketRef).Properties;
        policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().Any(s =>
            s.GetProperty("Effect").GetString() == "Allow" && SynthesizedStack.Compact(s.GetProperty("Principal")).Contains("cloudtrail.amazonaws.com", StringComparison.Ordinal)
            && SynthesizedStack.Compact(s.GetProperty("Action")).Contains("s3:PutObject", StringComparison.Ordinal)).ShouldBeTrue();
        var key = stack.Resource(stack.LogicalId(stack.Stack.Keys.AuditKey)).GetProperty("Properties").GetProperty("KeyPolicy");
        key.GetProperty("Statement").EnumerateArray().Any(s => s.TryGetProperty("Sid", out var sid) && sid.GetString() == "CloudTrailEncryptsLogFiles"
            && s.GetProperty("Condition").GetProperty("StringLike").TryGetProperty("kms:EncryptionContext:aws:cloudtrail:arn", out _)).ShouldBeTrue();
    }
}
