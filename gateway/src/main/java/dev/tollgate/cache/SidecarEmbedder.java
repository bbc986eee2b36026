package dev.tollgate.cache;

import dev.tollgate.embedding.Embedding;
import dev.tollgate.support.Json;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;

/**
 * Embeds through the embedding sidecar ({@code embedding-sidecar/}): the same model code in its
 * own process, shared by many gateway replicas. Speaks OpenAI's {@code /v1/embeddings} and reads
 * the sidecar's {@code tollgate.covered_chars} (how much of a long text the model read); from
 * another OpenAI-compatible server without it, the whole text counts as read.
 */
public final class SidecarEmbedder implements TextEmbedder {

    private final String model;
    private final String url;
    private final ConnectionProvider connections;
    private final HttpClient client;

    public SidecarEmbedder(URI baseUrl, String model, Duration timeout) {
        this.model = model;
        this.url = baseUrl.toString() + "/embeddings";
        this.connections = ConnectionProvider.builder("tollgate-embedding-sidecar").maxConnections(64)
                .pendingAcquireMaxCount(1024).maxIdleTime(Duration.ofSeconds(30)).build();
        this.client = HttpClient.create(connections).responseTimeout(timeout)
                .headers(h -> h.set("content-type", "application/json"));
    }

    @Override
    public Mono<Embedding> embed(String text) {
        byte[] body = Json.MAPPER.writeValueAsBytes(Map.of("input", text, "model", model, "encoding_format", "float"));
        return client.post().uri(url).send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .responseSingle((response, content) -> content.asByteArray().map(bytes -> {
                    if (response.status().code() != 200) {
                        throw new IllegalStateException("embedding sidecar at " + url + " answered "
                                + response.status().code() + ": " + new String(bytes, StandardCharsets.UTF_8));
                    }
                    return parse(bytes, text);
                }));
    }

    static Embedding parse(byte[] bytes, String text) {
        JsonNode item = Json.MAPPER.readTree(bytes).path("data").path(0);
        JsonNode values = item.path("embedding");
        if (!values.isArray() || values.isEmpty()) {
            throw new IllegalStateException("embedding sidecar answered without data[0].embedding");
        }
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i).floatValue();
        }
        JsonNode extra = item.path("tollgate");
        int covered = extra.path("covered_chars").asInt(text.length());
        return new Embedding(vector, extra.path("tokens").asInt(0), Math.min(covered, text.length()),
                extra.path("truncated").asBoolean(false));
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public void close() {
        connections.disposeLater().subscribe();
    }
}
