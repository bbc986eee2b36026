package dev.tollgate.sidecar;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code sidecar.*}: which model, and how texts are batched. */
@ConfigurationProperties("sidecar")
public record SidecarProperties(String model, int maxBatch, Duration maxWait, int threads, int capacity, int maxInputs) {
}
