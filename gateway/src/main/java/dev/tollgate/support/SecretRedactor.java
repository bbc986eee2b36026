package dev.tollgate.support;

import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes credentials out of text that leaves the gateway, such as a provider's error message
 * passed on to a client: the exact secrets the gateway holds (whole, or a visible part of one that
 * a provider quotes masked), and anything shaped like a known vendor key or a bearer token.
 */
public final class SecretRedactor {

    public static final String REDACTED = "[redacted]";

    /**
     * Key shapes: OpenAI/Anthropic/Groq/xAI/OpenRouter keys (also masked as {@code sk-prim****0000}),
     * Google API keys, AWS access key ids, Tollgate virtual keys, bearer tokens.
     */
    private static final Pattern KEY_LIKE = Pattern.compile(
            "\\b(?:sk|rk|pk)-[A-Za-z0-9_*.\\-]{4,}"
                    + "|\\b(?:gsk|xai|sk_live|sk_test)[_-][A-Za-z0-9_*\\-]{8,}"
                    + "|\\bAIza[0-9A-Za-z_\\-]{20,}"
                    + "|\\b(?:AKIA|ASIA)[0-9A-Z]{12,}"
                    + "|\\btg-[A-Za-z0-9_\\-]{4,}"
                    + "|(?i:bearer)\\s+[A-Za-z0-9._~+/=\\-*]{8,}");

    /** Shortest configured value treated as a secret; shorter ones would redact ordinary words. */
    private static final int MIN_SECRET = 8;

    private SecretRedactor() {}

    public static String redact(String text, Collection<String> secrets) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : secrets) {
            if (secret == null || secret.length() < MIN_SECRET) {
                continue;
            }
            out = out.replace(secret, REDACTED);
            // A provider that masks the middle still shows the ends (sk-prim****0000).
            String head = secret.substring(0, Math.min(8, secret.length() / 2));
            int at = out.indexOf(head);
            while (at >= 0) {
                int end = at + head.length();
                while (end < out.length() && !Character.isWhitespace(out.charAt(end)) && out.charAt(end) != '"'
                        && out.charAt(end) != '\'' && out.charAt(end) != ',') {
                    end++;
                }
                out = out.substring(0, at) + REDACTED + out.substring(end);
                at = out.indexOf(head, at + REDACTED.length());
            }
        }
        Matcher m = KEY_LIKE.matcher(out);
        return m.find() ? m.replaceAll(REDACTED) : out;
    }
}
