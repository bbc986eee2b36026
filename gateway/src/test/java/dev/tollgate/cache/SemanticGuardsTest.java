package dev.tollgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SemanticGuardsTest {

    @Test
    void differentNumbersVeto() {
        assertThat(SemanticGuards.veto("What is 15% of 80?", "What is 15% of 90?")).isEqualTo("numbers differ");
        assertThat(SemanticGuards.veto("Population in 2020?", "population in 2020")).isNull();
        assertThat(SemanticGuards.veto("Is 1,000 big?", "is 1000 big")).isNull();
        assertThat(SemanticGuards.veto("Convert 3.5 km", "Convert 35 km")).isEqualTo("numbers differ");
    }

    @Test
    void aNegationOnOneSideOnlyVetoes() {
        assertThat(SemanticGuards.veto("Is it safe?", "Is it not safe?")).isEqualTo("negation differs");
        assertThat(SemanticGuards.veto("Why isn't it safe?", "Why is it not safe?")).isNull();
        assertThat(SemanticGuards.veto("Why doesn’t it work?", "Why does it work?")).isEqualTo("negation differs");
        assertThat(SemanticGuards.veto("Recipes without eggs", "Recipes with eggs")).isEqualTo("negation differs");
        assertThat(SemanticGuards.veto("What is the capital of France?", "what's the capital of France")).isNull();
    }
}
