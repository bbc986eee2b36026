package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.support.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class CacheKeysTest {

    private static ObjectNode json(String text) {
        return (ObjectNode) Json.MAPPER.readTree(text);
    }

    private static final String BASE = """
            {"model":"m","temperature":0.2,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"%s"}]%s}""";

    @Test
    void keyOrderWhitespaceStreamAndUserDoNotChangeTheKey() {
        CacheKeys a = CacheKeys.of("team:x", json(BASE.formatted("hi", "")));
        CacheKeys b = CacheKeys.of("team:x", json("""
                { "messages" : [ {"content":"be brief","role":"system"}, {"content":"hi","role":"user"} ],
                  "temperature": 0.20, "model": "m", "stream": true, "stream_options": {"include_usage": true}, "user": "u1" }"""));
        assertThat(b.exact()).isEqualTo(a.exact());
        assertThat(b.partition()).isEqualTo(a.partition());
        assertThat(a.query()).isEqualTo("hi");
    }

    @Test
    void maxTokensAndMaxCompletionTokensAreTheSameLimit() {
        assertThat(CacheKeys.of("s", json(BASE.formatted("hi", ",\"max_tokens\":64"))).exact())
                .isEqualTo(CacheKeys.of("s", json(BASE.formatted("hi", ",\"max_completion_tokens\":64"))).exact())
                .isNotEqualTo(CacheKeys.of("s", json(BASE.formatted("hi", ",\"max_completion_tokens\":65"))).exact());
    }

    @Test
    void tenantModelSamplingAndHistoryAllSeparateEntries() {
        CacheKeys a = CacheKeys.of("team:x", json(BASE.formatted("hi", "")));
        assertThat(CacheKeys.of("team:y", json(BASE.formatted("hi", ""))).exact()).isNotEqualTo(a.exact());
        assertThat(CacheKeys.of("team:y", json(BASE.formatted("hi", ""))).partition()).isNotEqualTo(a.partition());
        assertThat(CacheKeys.of("team:x", json(BASE.formatted("hi", ",\"top_p\":0.5"))).partition()).isNotEqualTo(a.partition());
        assertThat(CacheKeys.of("team:x", json(BASE.formatted("hi", ",\"tools\":[]"))).exact()).isNotEqualTo(a.exact());
        assertThat(CacheKeys.of("team:x", json(BASE.replace("be brief", "be long").formatted("hi", ""))).partition())
                .isNotEqualTo(a.partition());
    }

    @Test
    void onlyTheLastUserTextLeavesThePartition() {
        CacheKeys a = CacheKeys.of("team:x", json(BASE.formatted("hello there", "")));
        CacheKeys b = CacheKeys.of("team:x", json(BASE.formatted("hi there", "")));
        assertThat(b.exact()).isNotEqualTo(a.exact());
        assertThat(b.partition()).isEqualTo(a.partition());
    }

    @Test
    void noSemanticStageWhenTheLastTurnIsNotPlainUserText() {
        assertThat(CacheKeys.of("s", json("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},
                {"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}""")).partition()).isNull();
        assertThat(CacheKeys.of("s", json("""
                {"model":"m","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}""")).partition()).isNull();
        CacheKeys parts = CacheKeys.of("s", json("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}"""));
        assertThat(parts.query()).isEqualTo("a\nb");
    }

    @Test
    void cacheControlMarkersDoNotChangeTheKeysButTheirTextDoes() {
        String plain = """
                {"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"rules"}]},
                  {"role":"tool","tool_call_id":"c","content":"r"},
                  {"role":"user","content":[{"type":"text","text":"q"}]}],
                 "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}""";
        String marked = """
                {"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"rules","cache_control":{"type":"ephemeral"}}]},
                  {"role":"tool","tool_call_id":"c","content":"r","cache_control":{"type":"ephemeral"}},
                  {"role":"user","content":[{"type":"text","text":"q","cache_control":{"type":"ephemeral","ttl":"1h"}}]}],
                 "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}},"cache_control":{"type":"ephemeral"}}]}""";
        CacheKeys a = CacheKeys.of("s", json(plain));
        CacheKeys b = CacheKeys.of("s", json(marked));
        assertThat(b.exact()).isEqualTo(a.exact());
        assertThat(b.partition()).isEqualTo(a.partition()).isNotNull();
        assertThat(b.query()).isEqualTo("q");
        assertThat(CacheKeys.of("s", json(marked.replace("rules", "other rules"))).exact()).isNotEqualTo(a.exact());
        // Only the marker places are ignored: a schema property that happens to be called cache_control counts.
        assertThat(CacheKeys.of("s", json(plain.replace("{\"type\":\"object\"}",
                "{\"type\":\"object\",\"properties\":{\"cache_control\":{\"type\":\"string\"}}}"))).exact()).isNotEqualTo(a.exact());
    }

    @Test
    void anUnseenTailSplitsThePartition() {
        assertThat(CacheKeys.withUnseenTail("p", "")).isEqualTo("p");
        assertThat(CacheKeys.withUnseenTail("p", " tail one")).isNotEqualTo(CacheKeys.withUnseenTail("p", " tail two"));
    }
}
