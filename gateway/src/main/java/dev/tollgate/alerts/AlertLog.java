package dev.tollgate.alerts;

import reactor.core.publisher.Mono;

/** Every alert fired, with where it was delivered: the {@code alert_events} table. */
public interface AlertLog {

    Mono<Void> record(AlertEvent event, String deliveries);
}
