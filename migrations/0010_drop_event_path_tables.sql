-- Nothing on the event path is written to D1 any more (issue 15): session pairs are counted in the
-- customer objects, item sums and product interest live in the recommendation shards (RecsShardDO).
DROP TABLE IF EXISTS session_clicks;
DROP TABLE IF EXISTS item_pairs;
DROP TABLE IF EXISTS item_stats;
DROP TABLE IF EXISTS dirty_items;
DROP TABLE IF EXISTS product_interest;
