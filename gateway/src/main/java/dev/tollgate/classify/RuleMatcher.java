package dev.tollgate.classify;

import dev.tollgate.config.Routing;
import java.util.List;
import java.util.Map;

/** The rules stage: the first rule whose every stated condition holds. */
public final class RuleMatcher {

    private RuleMatcher() {}

    /** The first matching rule, or null. */
    public static Routing.Rule firstMatch(List<Routing.Rule> rules, PromptFacts facts) {
        for (Routing.Rule rule : rules) {
            if (matches(rule.when(), facts)) {
                return rule;
            }
        }
        return null;
    }

    static boolean matches(Routing.Condition c, PromptFacts f) {
        for (Map.Entry<String, String> e : c.metadata().entrySet()) {
            if (!e.getValue().equals(f.attributes().get(e.getKey()))) {
                return false;
            }
        }
        for (Map.Entry<String, String> e : c.headers().entrySet()) {
            String value = f.headers().get(e.getKey());
            if (value == null || !value.trim().equalsIgnoreCase(e.getValue())) {
                return false;
            }
        }
        if (c.endpoints() != null && !c.endpoints().contains(f.operation())) {
            return false;
        }
        if (!same(c.systemPrompt(), f.systemPrompt()) || !same(c.tools(), f.tools()) || !same(c.images(), f.images())
                || !same(c.jsonMode(), f.jsonMode())) {
            return false;
        }
        if (c.minMessages() != null && f.messages() < c.minMessages()
                || c.maxMessages() != null && f.messages() > c.maxMessages()) {
            return false;
        }
        // Last: the only condition that costs a tokenizer pass.
        if (c.minPromptTokens() != null || c.maxPromptTokens() != null) {
            int tokens = f.promptTokens().getAsInt();
            if (c.minPromptTokens() != null && tokens < c.minPromptTokens()
                    || c.maxPromptTokens() != null && tokens > c.maxPromptTokens()) {
                return false;
            }
        }
        return true;
    }

    private static boolean same(Boolean wanted, boolean actual) {
        return wanted == null || wanted == actual;
    }
}
