-- When a product first entered the catalog: new arrivals are announced only once the catalog is
-- established (a store's first import, however many requests it takes, announces nothing).
-- Rows from before this column read as NULL: an established catalog.
ALTER TABLE catalog ADD COLUMN created_at INTEGER;
