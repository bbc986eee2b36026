-- Routing aliases (docs/routing.md): the tier a call was routed to, the stage that decided (rule,
-- classifier, llm, default) and why (rule name, score threshold, LLM task type), the complexity
-- score, and what the same tokens would have cost on the alias's baseline model. On calls not
-- routed through an alias baseline_cost_usd equals cost_usd and the other columns are NULL; rows
-- written before this migration have NULL in all of them.
ALTER TABLE usage_events ADD COLUMN tier varchar(64);
ALTER TABLE usage_events ADD COLUMN route_stage varchar(16);
ALTER TABLE usage_events ADD COLUMN route_reason varchar(128);
ALTER TABLE usage_events ADD COLUMN complexity double precision;
ALTER TABLE usage_events ADD COLUMN baseline_cost_usd numeric(20, 10);
