-- Prompt-cache writes (Anthropic's cache_creation_input_tokens, Bedrock's cacheWriteInputTokens):
-- a part of input_tokens, like cached_input_tokens, billed at the cache-write price. 0 for
-- providers without them and for rows written before this column existed.
ALTER TABLE usage_events ADD COLUMN cache_write_tokens bigint NOT NULL DEFAULT 0;
-- True when the call was served by a deployment that neither the config nor the price catalog
-- prices: cost_usd is NULL because the cost is unknown (not because nothing was served).
ALTER TABLE usage_events ADD COLUMN cost_unknown boolean NOT NULL DEFAULT false;
