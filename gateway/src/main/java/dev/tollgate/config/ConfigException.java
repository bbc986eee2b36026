package dev.tollgate.config;

import java.util.List;

/** A config file that cannot be used; each problem names the path of the offending value. */
public class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super("Invalid Tollgate config " + source + ":\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
