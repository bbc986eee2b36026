package dev.tollgate.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretRedactorTest {

    @Test
    void configuredSecretsWholeOrMaskedAndKeyShapedTokensAreRedacted() {
        List<String> secrets = Arrays.asList("my-provider-secret-value", null, "short");

        assertThat(SecretRedactor.redact("bad key my-provider-secret-value given", secrets)).isEqualTo("bad key [redacted] given");
        assertThat(SecretRedactor.redact("Incorrect API key provided: my-provi****alue.", secrets))
                .isEqualTo("Incorrect API key provided: [redacted]");
        assertThat(SecretRedactor.redact("key sk-proj-abcdEFGH1234 rejected", List.of())).isEqualTo("key [redacted] rejected");
        assertThat(SecretRedactor.redact("Authorization: Bearer abc.def-ghi_jkl", List.of())).isEqualTo("Authorization: [redacted]");
        assertThat(SecretRedactor.redact("AKIAIOSFODNN7EXAMPLE and AIzaSyA1234567890abcdefghijklmn", List.of()))
                .isEqualTo("[redacted] and [redacted]");
    }

    @Test
    void ordinaryMessagesAreLeftAlone() {
        String message = "This model's maximum context length is 128000 tokens; a short string like 'short' stays.";
        assertThat(SecretRedactor.redact(message, List.of("short"))).isEqualTo(message);
        assertThat(SecretRedactor.redact("risk-free task-based desk-top", List.of())).isEqualTo("risk-free task-based desk-top");
    }
}
