package dev.tollgate.testing;

import dev.tollgate.TollgateApplication;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** A whole gateway started in-process on a random port, for tests that need several, or a restart. */
public final class GatewayInstance implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private GatewayInstance(ConfigurableApplicationContext context) {
        this.context = context;
    }

    public static GatewayInstance start(Map<String, Object> properties) {
        // As command-line arguments: they outrank application.yaml, as they would for `java -jar`.
        List<String> args = new ArrayList<>(List.of("--server.port=0"));
        properties.forEach((name, value) -> args.add("--" + name + "=" + value));
        return new GatewayInstance(new SpringApplicationBuilder(TollgateApplication.class).run(args.toArray(String[]::new)));
    }

    /**
     * Properties of a test gateway: the given config file, usage in the tests' PostgreSQL schema,
     * budgets and limits in {@code store} (memory or redis).
     */
    public static Map<String, Object> properties(Path config, Path dir, String store) {
        Map<String, Object> props = new HashMap<>();
        props.put("tollgate.config", config.toString());
        props.put("tollgate.usage.url", TestPostgres.usageUrl());
        props.put("tollgate.usage.schema", TestPostgres.freshSchema());
        props.put("tollgate.usage.flush-interval", "20ms");
        props.put("tollgate.usage.spool-dir", dir.resolve("spool-" + ThreadLocalRandom.current().nextInt(1 << 20)).toString());
        props.put("tollgate.state.store", store);
        return props;
    }

    public int port() {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public Http http() {
        return new Http(port());
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
