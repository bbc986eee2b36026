package dev.tollgate.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.Experiment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AssignmentTest {

    static Experiment experiment(String name, int... weights) {
        List<Experiment.Variant> variants = new java.util.ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            variants.add(new Experiment.Variant("v" + i, weights[i], null, null));
        }
        return new Experiment(name, "m", Experiment.Unit.USER, variants, null, null, null, null, 100);
    }

    @Test
    void theSameUnitAlwaysGetsTheSameVariantAndTheSplitFollowsTheWeights() {
        Experiment e = experiment("split", 80, 20, 0);
        Map<String, Integer> counts = new HashMap<>();
        for (int u = 0; u < 20_000; u++) {
            String v = Assignment.variant(e, "user:" + u).name();
            assertThat(Assignment.variant(e, "user:" + u).name()).isEqualTo(v);
            counts.merge(v, 1, Integer::sum);
        }
        assertThat(counts.get("v0")).isBetween(15_600, 16_400);
        assertThat(counts.get("v1")).isBetween(3_600, 4_400);
        assertThat(counts).doesNotContainKey("v2");
    }

    @Test
    void theHashIsFixedSoEveryReplicaAndReleaseAgrees() {
        // Pinned: a change of the hash would move users between variants of running experiments.
        assertThat(Assignment.hash("exp", "user:alice")).isEqualTo(Assignment.hash("exp", "user:alice"));
        assertThat(Assignment.variant(experiment("pinned", 1, 1), "user:alice").name()).isEqualTo(PINNED_ALICE);
        assertThat(Assignment.hash("ab", "c")).isNotEqualTo(Assignment.hash("a", "bc"));
    }

    @Test
    void assignmentsOfTwoExperimentsAreIndependent() {
        Experiment first = experiment("first", 1, 1);
        Experiment second = experiment("second", 1, 1);
        int same = 0;
        for (int u = 0; u < 10_000; u++) {
            if (Assignment.variant(first, "user:" + u).name().equals(Assignment.variant(second, "user:" + u).name())) {
                same++;
            }
        }
        assertThat(same).isBetween(4_700, 5_300);
    }

    /** int.from_bytes(sha256(b"pinned\x00user:alice")[:8], "big") % 2 == 1, computed with Python. */
    static final String PINNED_ALICE = "v1";
}
