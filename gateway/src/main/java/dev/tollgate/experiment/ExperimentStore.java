package dev.tollgate.experiment;

import java.math.BigDecimal;
import java.time.Instant;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Experiments made through the admin API, call feedback, and the calls of an experiment for its readout. */
public interface ExperimentStore {

    record StoredExperiment(String name, String definition, Instant updatedAt) {}

    /** Who made a call: what the feedback endpoint checks the caller's tenant against. */
    record CallOwner(String requestId, String keyName, String team) {}

    /** A rating of a call, 0..1. */
    record Feedback(String requestId, BigDecimal rating, String comment, String keyName, String tenant, Instant at) {}

    /** One call of an experiment, with its rating if it was given one. */
    record Observation(String variant, BigDecimal costUsd, int latencyMs, Integer ttftMs, int status, BigDecimal rating) {}

    Flux<StoredExperiment> experiments();

    Mono<Void> upsertExperiment(String name, String definition, Instant at);

    Mono<Boolean> deleteExperiment(String name);

    /** The recorded call with this request id (a call is recorded within the usage flush interval after it ends). */
    Mono<CallOwner> call(String requestId);

    /** Stores the rating, replacing an earlier one of the same call. */
    Mono<Void> rate(Feedback feedback);

    /** Every recorded call of the experiment since {@code from}. */
    Flux<Observation> observations(String experiment, Instant from);
}
