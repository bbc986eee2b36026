package dev.tollgate.config;

import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Replaces {@code ${NAME}} and {@code ${NAME:-default}} in config values from the environment. */
final class EnvSubstitution {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.]*)(?::-([^}]*))?}");

    private final Function<String, String> environment;

    EnvSubstitution(Function<String, String> environment) {
        this.environment = environment;
    }

    /** Returns the substituted text, or records a problem naming {@code path} and returns null. */
    String apply(String value, String path, List<String> problems) {
        if (value.indexOf("${") < 0) {
            return value;
        }
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        boolean missing = false;
        while (m.find()) {
            String resolved = environment.apply(m.group(1));
            if (resolved == null || resolved.isEmpty()) {
                resolved = m.group(2);
            }
            if (resolved == null) {
                problems.add(path + ": environment variable " + m.group(1) + " is not set"
                        + " (set it, or write ${" + m.group(1) + ":-default})");
                missing = true;
                resolved = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        return missing ? null : out.toString();
    }
}
