package dev.loresmith.testing;

import dev.loresmith.events.StreamRecord;
import dev.loresmith.handler.StreamEventsHandler;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stand-in for the stream event source mappings: reads both tables' streams from DynamoDB Local (real
 * stream records, the same API AWS serves) and hands them, in order, to the same {@link StreamEventsHandler}
 * the template subscribes to them. A batch the handler could not publish is read again from its first
 * unpublished record, like Lambda's ReportBatchItemFailures. Used by the local runner and by the tests.
 */
public final class TableStreams {

    private final DynamoDbStreamsClient streams;
    private final StreamEventsHandler handler;
    private final List<String> streamArns = new ArrayList<>();
    /** Per shard: the iterator to read next (a shard that has ended drops out). */
    private final Map<String, String> iterators = new HashMap<>();
    private final Set<String> ended = new HashSet<>();

    public TableStreams(DynamoDbClient dynamo, DynamoDbStreamsClient streams, StreamEventsHandler handler, List<String> tables) {
        this.streams = streams;
        this.handler = handler;
        for (String table : tables) {
            String arn = dynamo.describeTable(r -> r.tableName(table)).table().latestStreamArn();
            if (arn != null) {
                streamArns.add(arn);
            }
        }
    }

    /**
     * Starts after everything already in the streams: only what happens from now on is announced.
     */
    public TableStreams fromNow() {
        for (String arn : streamArns) {
            for (Shard shard : streams.describeStream(r -> r.streamArn(arn)).streamDescription().shards()) {
                String iterator = streams.getShardIterator(r -> r.streamArn(arn).shardId(shard.shardId())
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                while (true) {
                    String current = iterator;
                    var page = streams.getRecords(r -> r.shardIterator(current));
                    if (page.nextShardIterator() == null) {
                        ended.add(arn + "|" + shard.shardId());
                        break;
                    }
                    iterator = page.nextShardIterator();
                    if (page.records().isEmpty()) {
                        break;
                    }
                }
                iterators.put(arn + "|" + shard.shardId(), iterator);
            }
        }
        return this;
    }

    /** Reads what the streams hold now and publishes it. Returns how many records were handled. */
    public synchronized int drain() {
        int handled = 0;
        for (String arn : streamArns) {
            for (Shard shard : streams.describeStream(r -> r.streamArn(arn)).streamDescription().shards()) {
                String key = arn + "|" + shard.shardId();
                if (ended.contains(key)) {
                    continue;
                }
                String iterator = iterators.computeIfAbsent(key, k -> streams.getShardIterator(r -> r.streamArn(arn)
                        .shardId(shard.shardId()).shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator());
                while (iterator != null) {
                    var page = read(arn, shard, key);
                    List<StreamRecord> records = page.records().stream().map(TableStreams::toRecord).toList();
                    // Lambda invokes a stream mapping only for records that exist: an empty page is not a batch.
                    if (!records.isEmpty() && handler.publish(records, "local") != null) {
                        return handled; // read again from the first unpublished record on the next drain
                    }
                    handled += records.size();
                    iterator = page.nextShardIterator();
                    if (iterator == null) {
                        ended.add(key); // a closed shard, read to its end
                        break;
                    }
                    iterators.put(key, iterator);
                    if (records.isEmpty()) {
                        break;
                    }
                }
            }
        }
        return handled;
    }

    /**
     * The next page of a shard. DynamoDB Local refuses an iterator that was handed out while its shard was still
     * empty (TrimmedDataAccessException) once records arrive; such a shard's records are all new, so it is read
     * again from its start.
     */
    private GetRecordsResponse read(String arn, Shard shard, String key) {
        try {
            return streams.getRecords(r -> r.shardIterator(iterators.get(key)));
        } catch (TrimmedDataAccessException e) {
            iterators.put(key, streams.getShardIterator(r -> r.streamArn(arn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator());
            return streams.getRecords(r -> r.shardIterator(iterators.get(key)));
        }
    }

    private static StreamRecord toRecord(Record record) {
        var change = record.dynamodb();
        Instant created = change.approximateCreationDateTime() == null ? Instant.EPOCH : change.approximateCreationDateTime();
        return new StreamRecord(record.eventID(), change.sequenceNumber(), change.oldImage(), change.newImage(), created);
    }
}
