-- Issue 15: the customer index and the segment membership index (with its entries and exits per day)
-- moved to the index shards (IndexShardDO, worker/src/index-shards/), so the event path writes no D1
-- row. Nothing reads or writes these tables any more; there is no production data to carry over.
DROP TABLE IF EXISTS segment_changes_daily;
DROP TABLE IF EXISTS segment_members;
DROP TABLE IF EXISTS customer_index;
