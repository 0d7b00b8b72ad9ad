using System.Text.Json;
using Amazon.CDK.Assertions;
using Portal.Core.Adapters.Aws;

namespace PortalInfra.Tests;

/// <summary>The DynamoDB tables: exactly the adapters' tables, keys and GSIs; KMS, PITR, on-demand, TTL, deletion protection.</summary>
public sealed class DataTests(SynthesizedStack stack)
{
    private const string TableType = "AWS::DynamoDB::Table";

    private JsonElement TableFor(DynamoTableDefinition definition)
    {
        var name = DataConstruct.TableName(SynthesizedStack.Settings, definition);
        var matches = stack.OfType(TableType).Where(t => t.Properties.GetProperty("TableName").GetString() == name).ToList();
        matches.Count.ShouldBe(1, $"table {name}");
        return matches[0].Properties;
    }

    [Fact]
    public void The_stack_has_one_table_per_adapter_table_and_no_other()
    {
        stack.Template.ResourceCountIs(TableType, DynamoTableDefinitions.All.Count);
        stack.OfType(TableType).Select(t => t.Properties.GetProperty("TableName").GetString()).Order()
            .ShouldBe(DynamoTableDefinitions.All.Select(d => $"test-{d.Store}").Order());
    }

    [Fact]
    public void Every_table_has_exactly_the_keys_attributes_and_indexes_the_adapters_create()
    {
        foreach (var definition in DynamoTableDefinitions.All)
        {
            // What the adapters send to CreateTable (DynamoDB Local in the contract tests, first deployments).
            var request = DynamoTables.ToCreateTableRequest("any", definition);
            var table = TableFor(definition);

            table.GetProperty("KeySchema").EnumerateArray().Select(k => $"{k.GetProperty("AttributeName").GetString()}:{k.GetProperty("KeyType").GetString()}")
                .ShouldBe(request.KeySchema.Select(k => $"{k.AttributeName}:{k.KeyType.Value}"), definition.Store);

            table.GetProperty("AttributeDefinitions").EnumerateArray().Select(a => $"{a.GetProperty("AttributeName").GetString()}:{a.GetProperty("AttributeType").GetString()}").Order()
                .ShouldBe(request.AttributeDefinitions.Select(a => $"{a.AttributeName}:{a.AttributeType.Value}").Order(), definition.Store);

            var cdkIndexes = table.TryGetProperty("GlobalSecondaryIndexes", out var gsis)
                ? gsis.EnumerateArray().Select(i => string.Join(' ',
                    i.GetProperty("IndexName").GetString(),
                    string.Join(',', i.GetProperty("KeySchema").EnumerateArray().Select(k => $"{k.GetProperty("AttributeName").GetString()}:{k.GetProperty("KeyType").GetString()}")),
                    i.GetProperty("Projection").GetProperty("ProjectionType").GetString())).Order().ToList()
                : [];
            var adapterIndexes = (request.GlobalSecondaryIndexes ?? []).Select(i => string.Join(' ',
                i.IndexName,
                string.Join(',', i.KeySchema.Select(k => $"{k.AttributeName}:{k.KeyType.Value}")),
                i.Projection.ProjectionType.Value)).Order().ToList();
            cdkIndexes.ShouldBe(adapterIndexes, definition.Store);
        }
    }

    [Fact]
    public void The_payments_table_has_the_indexes_its_queries_name()
    {
        // Guards the shared definition itself against an index dropped from both sides at once.
        var table = TableFor(DynamoTableDefinitions.Payments);
        table.GetProperty("GlobalSecondaryIndexes").EnumerateArray().Select(i => i.GetProperty("IndexName").GetString()).Order().ShouldBe(new[]
        {
            DynamoPaymentStore.AllCreatedIndex, DynamoPaymentStore.CustomerCreatedIndex, DynamoPaymentStore.MerchantCreatedIndex,
            DynamoPaymentStore.OutboxPendingIndex, DynamoPaymentStore.PaymentEventsIndex, DynamoPaymentStore.StatusIndex,
        }.Order());
    }

    [Fact]
    public void Every_table_is_encrypted_with_the_customer_managed_data_key()
    {
        var keyArn = SynthesizedStack.GetAttArn(stack.LogicalId(stack.Stack.Keys.DataKey));
        foreach (var (id, table) in stack.OfType(TableType))
        {
            var sse = table.GetProperty("SSESpecification");
            sse.GetProperty("SSEEnabled").GetBoolean().ShouldBeTrue(id);
            sse.GetProperty("SSEType").GetString().ShouldBe("KMS", id);
            SynthesizedStack.Compact(sse.GetProperty("KMSMasterKeyId")).ShouldBe(keyArn, id);
        }
    }

    [Fact]
    public void Every_table_has_point_in_time_recovery_on_demand_billing_and_deletion_protection()
    {
        stack.Template.AllResourcesProperties(TableType, new Dictionary<string, object>
        {
            ["PointInTimeRecoverySpecification"] = new Dictionary<string, object> { ["PointInTimeRecoveryEnabled"] = true },
            ["BillingMode"] = "PAY_PER_REQUEST",
            ["DeletionProtectionEnabled"] = true,
        });
        foreach (var (id, _) in stack.OfType(TableType))
        {
            stack.Resource(id).GetProperty("DeletionPolicy").GetString().ShouldBe("Retain", id);
        }
    }

    [Fact]
    public void The_idempotency_records_table_expires_them_by_TTL_on_the_adapter_attribute()
    {
        var ttl = TableFor(DynamoTableDefinitions.Payments).GetProperty("TimeToLiveSpecification");
        ttl.GetProperty("Enabled").GetBoolean().ShouldBeTrue();
        ttl.GetProperty("AttributeName").GetString().ShouldBe(DynamoPaymentStore.TtlAttribute);
        foreach (var definition in DynamoTableDefinitions.All.Where(d => d.TtlAttribute is null))
        {
            TableFor(definition).TryGetProperty("TimeToLiveSpecification", out _).ShouldBeFalse(definition.Store);
        }
    }

    [Fact]
    public void Assertions_library_sees_the_payments_table_shape()
    {
        stack.Template.HasResourceProperties(TableType, Match.ObjectLike(new Dictionary<string, object>
        {
            ["TableName"] = "test-payments",
            ["TimeToLiveSpecification"] = new Dictionary<string, object> { ["AttributeName"] = "expires_at", ["Enabled"] = true },
        }));
    }
}
