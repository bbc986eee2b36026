package dev.tollgate.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${NAME}} and {@code ${NAME:-default}} in config values, from the environment.
 *
 * <p>Users write {@code { type: openai, api-key: ${OPENAI_API_KEY} }}, whose braces would end a
 * YAML flow mapping early. So references are first swapped for plain placeholders
 * ({@link #protect}), the YAML is parsed, and each value is then resolved ({@link #apply}) where
 * its path is known, so a missing variable is reported as {@code providers.openai.api-key: ...}.
 */
final class EnvSubstitution {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.]*)(?::-([^}]*))?}");
    private static final Pattern PLACEHOLDER = Pattern.compile("__TOLLGATE_ENV_(\\d+)__");

    private record Reference(String name, String fallback) {}

    private final Function<String, String> environment;
    private final List<Reference> references = new ArrayList<>();

    EnvSubstitution(Function<String, String> environment) {
        this.environment = environment;
    }

    String protect(String yaml) {
        references.clear();
        Matcher m = VARIABLE.matcher(yaml);
        StringBuilder out = new StringBuilder(yaml.length());
        while (m.find()) {
            references.add(new Reference(m.group(1), m.group(2)));
            m.appendReplacement(out, "__TOLLGATE_ENV_" + (references.size() - 1) + "__");
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Returns the substituted text, or records a problem naming {@code path} and returns null. */
    String apply(String value, String path, List<String> problems) {
        if (value.indexOf("__TOLLGATE_ENV_") < 0) {
            return value;
        }
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        boolean missing = false;
        while (m.find()) {
            Reference ref = references.get(Integer.parseInt(m.group(1)));
            String resolved = environment.apply(ref.name());
            if (resolved == null || resolved.isEmpty()) {
                resolved = ref.fallback();
            }
            if (resolved == null) {
                problems.add(path + ": environment variable " + ref.name() + " is not set"
                        + " (set it, or write ${" + ref.name() + ":-default})");
                missing = true;
                resolved = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        return missing ? null : out.toString();
    }
}
