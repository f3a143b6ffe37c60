package dev.loresmith.testing;

import com.fasterxml.jackson.databind.JsonNode;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;

import java.util.ArrayList;
import java.util.List;

/**
 * Creates DynamoDB tables exactly as {@code template.yaml} declares them (key schema, attribute types,
 * global secondary indexes, stream, billing mode), so tests and the local runner never keep a second copy
 * of the table definitions.
 */
public final class TemplateTables {

    private final Template template;

    public TemplateTables(Template template) {
        this.template = template;
    }

    /** Creates the table declared as {@code logicalId} under {@code tableName} and waits until it exists. */
    public void create(DynamoDbClient dynamo, String logicalId, String tableName) {
        JsonNode properties = template.resources("AWS::DynamoDB::Table").get(logicalId);
        if (properties == null) {
            throw new IllegalArgumentException("template.yaml declares no AWS::DynamoDB::Table " + logicalId);
        }
        properties = properties.path("Properties");
        List<AttributeDefinition> attributes = new ArrayList<>();
        properties.path("AttributeDefinitions").forEach(a -> attributes.add(AttributeDefinition.builder()
                .attributeName(a.path("AttributeName").asText())
                .attributeType(a.path("AttributeType").asText())
                .build()));
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        properties.path("GlobalSecondaryIndexes").forEach(i -> indexes.add(GlobalSecondaryIndex.builder()
                .indexName(i.path("IndexName").asText())
                .keySchema(keys(i.path("KeySchema")))
                .projection(Projection.builder().projectionType(i.path("Projection").path("ProjectionType").asText("ALL")).build())
                .build()));
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(tableName)
                .attributeDefinitions(attributes)
                .keySchema(keys(properties.path("KeySchema")))
                .billingMode(BillingMode.fromValue(properties.path("BillingMode").asText("PAY_PER_REQUEST")));
        if (!indexes.isEmpty()) {
            request.globalSecondaryIndexes(indexes);
        }
        JsonNode stream = properties.path("StreamSpecification").path("StreamViewType");
        if (stream.isTextual()) {
            request.streamSpecification(StreamSpecification.builder().streamEnabled(true).streamViewType(stream.asText()).build());
        }
        dynamo.createTable(request.build());
        dynamo.waiter().waitUntilTableExists(r -> r.tableName(tableName));
    }

    private static List<KeySchemaElement> keys(JsonNode schema) {
        List<KeySchemaElement> keys = new ArrayList<>();
        schema.forEach(k -> keys.add(KeySchemaElement.builder()
                .attributeName(k.path("AttributeName").asText())
                .keyType(k.path("KeyType").asText())
                .build()));
        return keys;
    }
}
