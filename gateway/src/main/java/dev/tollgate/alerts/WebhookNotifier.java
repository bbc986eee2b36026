package dev.tollgate.alerts;

import dev.tollgate.config.ConfigListener;
import dev.tollgate.config.TollgateConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.util.retry.Retry;
import dev.tollgate.support.Json;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sends alerts to the configured webhooks: Slack-compatible {@code {"text"}} payloads, or the
 * alert as JSON signed with {@code x-tollgate-signature: sha256=<hex HMAC of timestamp.body>} and
 * {@code x-tollgate-timestamp} so a receiver can check origin and freshness. Each delivery is
 * retried with backoff; the outcome of every webhook is returned for the alert log.
 */
public class WebhookNotifier implements ConfigListener {

    private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);
    private static final JsonMapper JSON = Json.MAPPER;

    private final HttpClient client = HttpClient.create()
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 3000)
            .responseTimeout(Duration.ofSeconds(5));
    private volatile List<TollgateConfig.Webhook> webhooks = List.of();

    @Override
    public Runnable prepare(TollgateConfig config) {
        List<TollgateConfig.Webhook> next = config.webhooks();
        return () -> webhooks = next;
    }

    /** Delivers to every webhook; emits "name:ok" / "name:failed(...)" joined by commas. */
    public Mono<String> deliver(AlertEvent alert) {
        List<TollgateConfig.Webhook> targets = webhooks;
        if (targets.isEmpty()) {
            return Mono.just("");
        }
        return Flux.fromIterable(targets)
                .flatMap(w -> send(w, alert)
                        .thenReturn(w.name() + ":ok")
                        .onErrorResume(e -> {
                            log.warn("Alert webhook {} failed after retries: {}", w, e.toString());
                            return Mono.just(w.name() + ":failed(" + e.getClass().getSimpleName() + ")");
                        }))
                .collectList()
                .map(results -> String.join(",", results));
    }

    private Mono<Void> send(TollgateConfig.Webhook webhook, AlertEvent alert) {
        byte[] body = payload(webhook, alert);
        String timestamp = Long.toString(alert.createdAt().getEpochSecond());
        return client.headers(h -> {
                    h.set("content-type", "application/json");
                    h.set("user-agent", "tollgate-alerts");
                    if (webhook.secret() != null && !webhook.format().equals("slack")) {
                        h.set("x-tollgate-timestamp", timestamp);
                        h.set("x-tollgate-signature", "sha256=" + hmac(webhook.secret(), timestamp + "." + new String(body, StandardCharsets.UTF_8)));
                    }
                })
                .post().uri(webhook.url().toString())
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .responseSingle((response, content) -> response.status().code() < 300
                        ? Mono.<Void>empty()
                        : Mono.error(new IllegalStateException("HTTP " + response.status().code())))
                .retryWhen(Retry.backoff(3, Duration.ofMillis(500)));
    }

    static byte[] payload(TollgateConfig.Webhook webhook, AlertEvent a) {
        ObjectNode root = JSON.createObjectNode();
        if (webhook.format().equals("slack")) {
            root.put("text", ":warning: " + a.message());
        } else {
            root.put("id", a.id().toString());
            root.put("kind", a.kind());
            root.put("created_at", a.createdAt().toString());
            root.put("budget", a.budget());
            root.put("instance", a.instance());
            root.put("period", a.period());
            root.put("threshold_percent", a.thresholdPercent());
            root.put("spent_usd", a.spentUsd());
            root.put("amount_usd", a.amountUsd());
            root.put("enforcement", a.hard() ? "hard" : "soft");
            root.put("message", a.message());
        }
        return JSON.writeValueAsBytes(root);
    }

    public static String hmac(String secret, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JRE", e);
        }
    }
}
