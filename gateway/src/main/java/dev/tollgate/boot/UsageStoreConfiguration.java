package dev.tollgate.boot;

import dev.tollgate.usage.R2dbcUsageStore;
import dev.tollgate.usage.UsageSpool;
import dev.tollgate.usage.UsageStore;
import dev.tollgate.usage.UsageWriter;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.h2.H2ConnectionConfiguration;
import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Picks the usage store from {@code tollgate.usage.url}: embedded H2 by default (a file under
 * ./data, nothing to install), PostgreSQL when configured. Migrations run with Flyway over JDBC
 * at start-up, before any request; at run time only R2DBC is used.
 */
@Configuration(proxyBeanMethods = false)
public class UsageStoreConfiguration {

    private static final Logger log = LoggerFactory.getLogger(UsageStoreConfiguration.class);

    @Bean(destroyMethod = "dispose")
    ConnectionPool usageConnections(TollgateProperties properties) {
        TollgateProperties.Usage usage = properties.usage();
        String url = usage.url();
        ConnectionFactory factory;
        if (url.startsWith("h2:")) {
            String h2 = h2Url(url.substring(3));
            migrate("jdbc:h2:" + h2, usage, "h2");
            factory = new H2ConnectionFactory(H2ConnectionConfiguration.builder().url(h2)
                    .username(usage.username() != null ? usage.username() : "sa")
                    .password(usage.password() != null ? usage.password() : "").build());
        } else if (url.startsWith("postgresql://")) {
            migrate("jdbc:" + url, usage, "postgresql");
            ConnectionFactoryOptions.Builder options = ConnectionFactoryOptions.parse("r2dbc:" + url).mutate();
            options.option(ConnectionFactoryOptions.USER, usage.username() != null ? usage.username() : "postgres");
            if (usage.password() != null) {
                options.option(ConnectionFactoryOptions.PASSWORD, usage.password());
            }
            options.option(ConnectionFactoryOptions.CONNECT_TIMEOUT, Duration.ofSeconds(3));
            if (usage.schema() != null && !usage.schema().isBlank()) {
                options.option(io.r2dbc.spi.Option.valueOf("schema"), usage.schema());
            }
            factory = ConnectionFactories.get(options.build());
        } else {
            throw new IllegalStateException("tollgate.usage.url: expected h2:file:<path>, h2:mem:<name> or "
                    + "postgresql://host:port/db, was '" + url + "'");
        }
        return new ConnectionPool(ConnectionPoolConfiguration.builder(factory)
                .initialSize(0)
                .maxSize(usage.poolSize())
                .maxAcquireTime(Duration.ofSeconds(5))
                .maxCreateConnectionTime(Duration.ofSeconds(5))
                .maxValidationTime(Duration.ofSeconds(2))
                .validationQuery("SELECT 1")
                .build());
    }

    @Bean
    UsageStore usageStore(ConnectionPool usageConnections, TollgateProperties properties) {
        String url = properties.usage().url();
        R2dbcUsageStore.Dialect dialect = url.startsWith("h2:") ? R2dbcUsageStore.Dialect.H2 : R2dbcUsageStore.Dialect.POSTGRESQL;
        return new R2dbcUsageStore(usageConnections, dialect, redact(url));
    }

    @Bean
    UsageWriter usageWriter(UsageStore store, TollgateProperties properties, MeterRegistry meters) {
        TollgateProperties.Usage usage = properties.usage();
        return new UsageWriter(store, new UsageSpool(usage.spoolDir()), usage.queueCapacity(), usage.batchSize(),
                usage.flushInterval(), meters);
    }

    /** {@code file:./data/x} → an absolute file path, so JDBC (Flyway) and R2DBC open the same database. */
    static String h2Url(String rest) {
        String options = ";DB_CLOSE_DELAY=-1";
        if (rest.startsWith("file:")) {
            Path path = Path.of(rest.substring(5)).toAbsolutePath().normalize();
            try {
                Files.createDirectories(path.getParent());
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot create " + path.getParent() + " for the usage store", e);
            }
            return "file:" + path + options;
        }
        return rest + options;
    }

    private static void migrate(String jdbcUrl, TollgateProperties.Usage usage, String vendor) {
        // Retry briefly: in a fresh deployment the database may start a few seconds after us.
        RuntimeException last = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                var flyway = Flyway.configure();
                if (usage.schema() != null && !usage.schema().isBlank()) {
                    flyway.schemas(usage.schema()).defaultSchema(usage.schema());
                }
                flyway
                        .dataSource(jdbcUrl, usage.username() != null ? usage.username()
                                : (vendor.equals("h2") ? "sa" : "postgres"),
                                usage.password() != null ? usage.password() : "")
                        .locations("classpath:db/migration/" + vendor)
                        .load()
                        .migrate();
                log.info("Usage store ready: {}", redact(jdbcUrl));
                return;
            } catch (RuntimeException e) {
                last = e;
                log.warn("Usage store migration attempt {} failed: {}", attempt, e.getMessage());
                try {
                    Thread.sleep(1000L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IllegalStateException("Cannot prepare the usage store at " + redact(jdbcUrl), last);
    }

    static String redact(String url) {
        return url.replaceAll("(?<=://)[^@/]*@", "***@").replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
