package dev.tollgate.edge;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.NettyPipeline;

/** The API server's protection against slow and too many clients, and the management endpoints' guard. */
@Configuration(proxyBeanMethods = false)
public class EdgeConfiguration {

    @Bean
    EdgeStats edgeStats(MeterRegistry meters) {
        return new EdgeStats(meters);
    }

    @Bean
    NettyServerCustomizer edgeLimits(EdgeProperties properties, EdgeStats stats) {
        ConnectionLimit limit = new ConnectionLimit(properties.maxConnections(), stats);
        return server -> server
                // Reactor Netty's own request-content timeouts: the gap between body reads, and the whole body.
                .readTimeout(properties.bodyReadTimeout())
                .requestTimeout(properties.bodyTimeout())
                .doOnChannelInit((observer, channel, remote) -> {
                    channel.pipeline().addFirst(ConnectionLimit.NAME, limit);
                    if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                        channel.pipeline().addAfter(NettyPipeline.HttpCodec, ConnectionGuard.NAME,
                                new ConnectionGuard(properties.headerTimeout(), stats));
                    }
                });
    }

    @Bean
    SlowBodyCounter slowBodyCounter(EdgeStats stats) {
        return new SlowBodyCounter(stats);
    }

    @Bean
    ActuatorGuard actuatorGuard(EdgeProperties properties, org.springframework.core.env.Environment environment) {
        return new ActuatorGuard(properties.managementToken(), environment.getProperty("management.server.port", Integer.class));
    }
}
