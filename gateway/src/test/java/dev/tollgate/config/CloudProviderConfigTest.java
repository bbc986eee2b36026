package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code type: azure} and {@code type: bedrock}: their settings, defaults and path-named mistakes. */
class CloudProviderConfigTest {

    private static final String MODELS = """
            models:
              m:
                deployments: [ { provider: p, model: m } ]
            keys: []
            """;

    private static TollgateConfig read(String provider, Map<String, String> env) {
        return new ConfigReader(env::get).read("providers:\n  p: " + provider + "\n" + MODELS, "test.yaml");
    }

    private static void fails(String provider, Map<String, String> env, String... problems) {
        assertThatThrownBy(() -> read(provider, env))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(problems));
    }

    @Test
    void azureTakesItsEndpointKeyAndApiVersion() {
        TollgateConfig.Provider p = read("{ type: azure, base-url: https://contoso.openai.azure.com, api-key: ${AZURE_OPENAI_API_KEY}, api-version: 2025-01-01-preview }",
                Map.of("AZURE_OPENAI_API_KEY", "az-key")).providers().get("p");
        assertThat(p.type()).isEqualTo(ProviderType.AZURE);
        assertThat(p.baseUrl()).hasToString("https://contoso.openai.azure.com");
        assertThat(p.apiKey()).isEqualTo("az-key");
        assertThat(p.cloud().apiVersion()).isEqualTo("2025-01-01-preview");

        assertThat(read("{ type: azure, base-url: https://contoso.openai.azure.com, api-key: k }", Map.of())
                .providers().get("p").cloud().apiVersion()).isEqualTo(ConfigReader.DEFAULT_AZURE_API_VERSION);
    }

    @Test
    void azureNeedsItsEndpoint() {
        fails("{ type: azure, api-key: k }", Map.of(), "providers.p.base-url: required for type azure");
    }

    @Test
    void bedrockDerivesItsEndpointFromTheRegionAndKeepsSecretsOutOfLogs() {
        TollgateConfig.Provider p = read("""
                { type: bedrock, region: eu-central-1, access-key-id: ${AWS_ACCESS_KEY_ID}, secret-access-key: ${AWS_SECRET_ACCESS_KEY}, session-token: ${AWS_SESSION_TOKEN:-} }""",
                Map.of("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
                .providers().get("p");
        assertThat(p.baseUrl()).hasToString("https://bedrock-runtime.eu-central-1.amazonaws.com");
        assertThat(p.cloud().region()).isEqualTo("eu-central-1");
        assertThat(p.cloud().accessKeyId()).isEqualTo("AKIDEXAMPLE");
        assertThat(p.cloud().sessionToken()).isNull();
        assertThat(p.toString() + p.cloud()).doesNotContain("wJalrXUtnFEMI");
    }

    @Test
    void bedrockFallsBackToTheStandardAwsEnvironmentVariables() {
        TollgateConfig.Provider p = read("{ type: bedrock, base-url: http://127.0.0.1:9999 }", Map.of(
                "AWS_REGION", "us-west-2", "AWS_ACCESS_KEY_ID", "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY", "secret",
                "AWS_SESSION_TOKEN", "token")).providers().get("p");
        assertThat(p.baseUrl()).hasToString("http://127.0.0.1:9999");
        assertThat(p.cloud()).isEqualTo(new TollgateConfig.Cloud(null, "us-west-2", "ASIAEXAMPLE", "secret", "token"));
    }

    @Test
    void bedrockMayUseAnApiKeyInsteadOfSigning() {
        TollgateConfig.Provider p = read("{ type: bedrock, region: us-east-1, api-key: bedrock-api-key }", Map.of()).providers().get("p");
        assertThat(p.apiKey()).isEqualTo("bedrock-api-key");
        assertThat(p.cloud().accessKeyId()).isNull();
    }

    @Test
    void bedrockMistakesAreNamedByPath() {
        fails("{ type: bedrock }", Map.of(),
                "providers.p.region: required for type bedrock (e.g. us-east-1), or set AWS_REGION",
                "providers.p.access-key-id: required for type bedrock (e.g. ${AWS_ACCESS_KEY_ID}), or set api-key to a Bedrock API key",
                "providers.p.secret-access-key: required for type bedrock (e.g. ${AWS_SECRET_ACCESS_KEY})");
        fails("{ type: bedrock, region: 'US East', access-key-id: a, secret-access-key: b }", Map.of(),
                "providers.p.region: expected an AWS region such as us-east-1, was 'US East'");
        fails("{ type: bedrock, region: us-east-1, access-key-id: a }", Map.of("AWS_SECRET_ACCESS_KEY", "ignored: keys come from one place"),
                "providers.p.secret-access-key: required for type bedrock (e.g. ${AWS_SECRET_ACCESS_KEY})");
    }

    @Test
    void cloudSettingsOnOtherTypesAreMistakes() {
        fails("{ type: openai, api-key: k, region: us-east-1, api-version: 2024-10-21 }", Map.of(),
                "providers.p.region: only valid for type bedrock",
                "providers.p.api-version: only valid for type azure");
        fails("{ type: azure, base-url: https://x.openai.azure.com, access-key-id: a }", Map.of(),
                "providers.p.access-key-id: only valid for type bedrock");
    }
}
