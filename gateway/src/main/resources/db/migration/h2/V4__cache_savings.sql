-- What a cache hit saved: the cost of the answer when a provider first produced it (the hit itself
-- is metered at cost 0). Null on calls the cache did not serve.
ALTER TABLE usage_events ADD COLUMN cost_saved_usd numeric(20, 10);
