package dev.tollgate.boot;

import dev.tollgate.support.AfterCallWork;
import dev.tollgate.auth.VirtualKeyStore;
import dev.tollgate.cache.CacheBook;
import dev.tollgate.cache.CacheFeedbackHandler;
import dev.tollgate.cache.CacheFilter;
import dev.tollgate.cache.CacheStore;
import dev.tollgate.cache.InMemoryCacheStore;
import dev.tollgate.cache.RedisCacheStore;
import dev.tollgate.support.RedisConnector;
import org.springframework.beans.factory.ObjectProvider;
import dev.tollgate.metrics.GatewayMetrics;
import dev.tollgate.usage.UsageSink;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * The response cache: policy from the config file ({@code cache:}), entries in memory, the
 * embedding model loaded only when a policy uses the semantic stage.
 */
@Configuration(proxyBeanMethods = false)
public class CacheConfiguration {

    @Bean(destroyMethod = "close")
    CacheBook cacheBook() {
        return new CacheBook(CacheBook::defaultEmbedder);
    }

    /** This replica's index: the whole cache on one node, a mirror of Redis in cluster mode. */
    @Bean
    InMemoryCacheStore cacheIndex(MeterRegistry meters) {
        InMemoryCacheStore store = new InMemoryCacheStore(10_000, Clock.systemUTC());
        Gauge.builder("tollgate_cache_entries", store, InMemoryCacheStore::size)
                .description("Answers in this replica's cache index").register(meters);
        return store;
    }

    /** Shared through Redis when the state store is Redis ({@code cluster} profile), else the local index. */
    @Bean
    @Primary
    CacheStore cacheStore(InMemoryCacheStore cacheIndex, ObjectProvider<RedisConnector> redis) {
        RedisConnector connector = redis.getIfAvailable();
        return connector == null ? cacheIndex : new RedisCacheStore(connector, cacheIndex, Clock.systemUTC());
    }

    /** Expired entries that nobody asks for again leave within a minute. */
    @Bean(destroyMethod = "dispose")
    Disposable cacheSweeper(InMemoryCacheStore cacheIndex) {
        return Flux.interval(Duration.ofMinutes(1)).subscribe(tick -> cacheIndex.sweep());
    }

    @Bean
    RouterFunction<ServerResponse> cacheEntryRoutes(CacheStore cacheStore, CacheBook cacheBook,
            VirtualKeyStore virtualKeyStore) {
        return new CacheFeedbackHandler(cacheStore, cacheBook, virtualKeyStore).routes();
    }

    @Bean
    CacheFilter cacheFilter(CacheBook cacheBook, CacheStore cacheStore, UsageSink usageSink,
            GatewayMetrics metrics, MeterRegistry meters, AfterCallWork afterCallWork) {
        return new CacheFilter(cacheBook, cacheStore, usageSink, metrics, meters, Clock.systemUTC(), afterCallWork);
    }
}
