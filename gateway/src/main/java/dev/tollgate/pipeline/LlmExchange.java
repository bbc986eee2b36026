package dev.tollgate.pipeline;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.LlmRequest;
import dev.tollgate.auth.VirtualKey;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.web.server.ServerWebExchange;

/**
 * The one per-request object the pipeline filters read and enrich. Filters share nothing else:
 * no loose exchange attributes, no thread locals.
 */
public final class LlmExchange {

    private static final String ATTRIBUTE = LlmExchange.class.getName();

    private final String requestId;
    private final long startNanos;
    private final long startEpochMillis;
    private VirtualKey key;
    private LlmRequest request;
    private String endUser;
    private String feature;
    private Map<String, String> tags = Map.of();
    private final String operation;
    private final AtomicBoolean metered = new AtomicBoolean();

    private LlmExchange(String requestId, String operation) {
        this.requestId = requestId;
        this.operation = operation;
        this.startNanos = System.nanoTime();
        this.startEpochMillis = System.currentTimeMillis();
    }

    public static LlmExchange start(ServerWebExchange exchange, String requestId) {
        Endpoint endpoint = Endpoint.fromPath(exchange.getRequest().getPath().value());
        LlmExchange llm = new LlmExchange(requestId, endpoint != null ? endpoint.operation() : "other");
        exchange.getAttributes().put(ATTRIBUTE, llm);
        return llm;
    }

    public static LlmExchange of(ServerWebExchange exchange) {
        LlmExchange llm = exchange.getAttribute(ATTRIBUTE);
        if (llm == null) {
            throw new IllegalStateException("LlmExchange missing: the authentication filter did not run");
        }
        return llm;
    }

    /** The OpenTelemetry operation name of the endpoint called, known before the body is read. */
    public String operation() {
        return operation;
    }

    /** True exactly once: whoever gets it writes the call's one usage event. */
    boolean claimMetering() {
        return metered.compareAndSet(false, true);
    }

    public String requestId() {
        return requestId;
    }

    public long startNanos() {
        return startNanos;
    }

    public long startEpochMillis() {
        return startEpochMillis;
    }

    public VirtualKey key() {
        return key;
    }

    void authenticated(VirtualKey key) {
        this.key = key;
    }

    public LlmRequest request() {
        return request;
    }

    void parsed(LlmRequest request, String endUser, String feature, Map<String, String> tags) {
        this.request = request;
        this.endUser = endUser;
        this.feature = feature;
        this.tags = tags;
    }

    public String endUser() {
        return endUser;
    }

    public String feature() {
        return feature;
    }

    public Map<String, String> tags() {
        return tags;
    }
}
