package dev.tollgate.boot;

import dev.tollgate.conversation.ConversationFilter;
import dev.tollgate.conversation.R2dbcResponseStore;
import dev.tollgate.conversation.ResponseArchive;
import dev.tollgate.conversation.ResponseStore;
import dev.tollgate.conversation.StoredResponsesFilter;
import dev.tollgate.routing.RoutingTable;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Responses API's stored responses, kept in the usage store's database (H2 by default, PostgreSQL in production). */
@Configuration(proxyBeanMethods = false)
public class ResponsesConfiguration {

    @Bean
    ResponseStore responseStore(ConnectionPool usageConnections) {
        return new R2dbcResponseStore(usageConnections);
    }

    @Bean(destroyMethod = "close")
    ResponseArchive responseArchive(ResponseStore responseStore, ResponsesProperties properties) {
        Duration purge = properties.retention().compareTo(Duration.ofHours(1)) < 0 ? properties.retention() : Duration.ofHours(1);
        return new ResponseArchive(responseStore, properties.retention(), properties.maxPendingWrites(), purge, Clock.systemUTC());
    }

    @Bean
    ConversationFilter conversationFilter(ResponseArchive responseArchive) {
        return new ConversationFilter(responseArchive);
    }

    @Bean
    StoredResponsesFilter storedResponsesFilter(ResponseArchive responseArchive, RoutingTable routingTable,
            TollgateProperties properties) {
        return new StoredResponsesFilter(responseArchive, routingTable, properties.maxRequestSize());
    }
}
