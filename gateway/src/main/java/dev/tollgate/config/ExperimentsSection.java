package dev.tollgate.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** The {@code experiments:} list of the config file. */
final class ExperimentsSection {

    private ExperimentsSection() {}

    static List<Experiment> read(JsonNode node, Set<String> models, List<String> problems) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add("experiments: expected a list of { name, model, variants }");
            return List.of();
        }
        List<Experiment> experiments = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            Experiment e = ExperimentReader.read(node.get(i), "experiments[" + i + "]", models, problems);
            if (e != null && !names.add(e.name())) {
                problems.add("experiments[" + i + "].name: '" + e.name() + "' is used by another experiment");
            } else if (e != null) {
                experiments.add(e);
            }
        }
        return List.copyOf(experiments);
    }
}
