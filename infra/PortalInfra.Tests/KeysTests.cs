using System.Text.Json;

namespace PortalInfra.Tests;

/// <summary>KMS: rotation, retention, and the task role's use of keys only with an encryption context.</summary>
public sealed class KeysTests(SynthesizedStack stack)
{
    private JsonElement KeyStatement(Amazon.CDK.AWS.KMS.Key key, string sid) =>
        stack.Resource(stack.LogicalId(key)).GetProperty("Properties").GetProperty("KeyPolicy").GetProperty("Statement").EnumerateArray()
            .Single(s => s.TryGetProperty("Sid", out var id) && id.GetString() == sid);

    private string TaskRoleArn => SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Compute.TaskRole));

    [Fact]
    public void Every_key_rotates_and_survives_stack_deletion()
    {
        var keys = stack.OfType("AWS::KMS::Key");
        keys.Count.ShouldBe(3);
        foreach (var (id, key) in keys)
        {
            key.GetProperty("EnableKeyRotation").GetBoolean().ShouldBeTrue(id);
            stack.Resource(id).GetProperty("DeletionPolicy").GetString().ShouldBe("Retain", id);
        }
    }

    [Fact]
    public void The_task_role_may_only_generate_data_keys_and_decrypt_with_the_tables_encryption_context()
    {
        var statement = KeyStatement(stack.Stack.Keys.DataKey, "PortalTaskUsesKeyForItsTables");
        statement.GetProperty("Effect").GetString().ShouldBe("Allow");
        SynthesizedStack.Compact(statement.GetProperty("Principal").GetProperty("AWS")).ShouldBe(TaskRoleArn);
        statement.GetProperty("Action").EnumerateArray().Select(a => a.GetString()).Order().ShouldBe(new[] { "kms:Decrypt", "kms:GenerateDataKey" });
        var condition = statement.GetProperty("Condition");
        condition.GetProperty("StringLike").GetProperty("kms:EncryptionContext:aws:dynamodb:tableName").GetString().ShouldBe("test-*");
        condition.GetProperty("StringEquals").GetProperty("kms:ViaService").GetString().ShouldBe("dynamodb.us-east-1.amazonaws.com");
    }

    [Fact]
    public void The_task_role_may_only_use_the_documents_key_with_the_bucket_as_encryption_context()
    {
        var statement = KeyStatement(stack.Stack.Keys.DocumentsKey, "PortalTaskUsesKeyForDocumentsBucket");
        SynthesizedStack.Compact(statement.GetProperty("Principal").GetProperty("AWS")).ShouldBe(TaskRoleArn);
        statement.GetProperty("Action").EnumerateArray().Select(a => a.GetString()).Order().ShouldBe(new[] { "kms:Decrypt", "kms:GenerateDataKey" });
        var equals = statement.GetProperty("Condition").GetProperty("StringEquals");
        // The bucket's ARN from its name (a reference would be a cycle: key -> bucket -> key); it must be the same name the bucket has.
        var context = SynthesizedStack.Compact(equals.GetProperty("kms:EncryptionContext:aws:s3:arn"));
        var bucketName = SynthesizedStack.Compact(stack.Resource(stack.LogicalId(stack.Stack.Documents.Bucket)).GetProperty("Properties").GetProperty("BucketName"));
        context.ShouldContain(":s3:::");
        const string JoinStart = "{\"Fn::Join\":[\"\",[\"";
        bucketName.ShouldStartWith(JoinStart);
        bucketName.ShouldEndWith("]]}");
        context.ShouldContain(":s3:::" + bucketName[JoinStart.Length..^3]);
        equals.GetProperty("kms:ViaService").GetString().ShouldBe("s3.us-east-1.amazonaws.com");
    }

    [Fact]
    public void No_key_policy_statement_for_the_task_role_lacks_an_encryption_context_condition()
    {
        foreach (var (id, key) in stack.OfType("AWS::KMS::Key"))
        {
            foreach (var statement in key.GetProperty("KeyPolicy").GetProperty("Statement").EnumerateArray())
            {
                if (statement.GetProperty("Principal").TryGetProperty("AWS", out var principal) && SynthesizedStack.Compact(principal) == TaskRoleArn)
                {
                    SynthesizedStack.Compact(statement.GetProperty("Condition")).ShouldContain("kms:EncryptionContext:", Case.Sensitive, id);
                }
            }
        }
    }

    [Fact]
    public void The_task_role_IAM_policies_grant_no_KMS_actions_so_the_key_policies_decide()
    {
        var roleRef = $"{{\"Ref\":\"{stack.LogicalId(stack.Stack.Compute.TaskRole)}\"}}";
        var policies = stack.OfType("AWS::IAM::Policy").Where(p => p.Properties.GetProperty("Roles").EnumerateArray().Any(r => SynthesizedStack.Compact(r) == roleRef)).ToList();
        policies.ShouldNotBeEmpty();
        foreach (var (id, policy) in policies)
        {
            SynthesizedStack.Compact(policy.GetProperty("PolicyDocument")).ShouldNotContain("kms:", Case.Sensitive, id);
        }
    }
}
