-- Which API the client called: 'openai' (/v1/chat/completions, /v1/completions, /v1/embeddings) or
-- 'anthropic' (/v1/messages). NULL on rows written before this column existed.
ALTER TABLE usage_events ADD COLUMN api varchar(16);
