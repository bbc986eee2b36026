package dev.tollgate.config;

/**
 * Something built from the config (routing table, key index). A reload first asks every listener
 * to {@link #prepare} the new state, which may reject it by throwing; only when all succeeded are
 * the returned commits run, so a bad edit never leaves half the gateway on the new config.
 */
@FunctionalInterface
public interface ConfigListener {

    Runnable prepare(TollgateConfig config);

    /**
     * A prepared change whose preparation had side effects (a breaker registered, a model loaded):
     * {@link #abort} undoes them when a later listener refuses the config.
     */
    interface Commit extends Runnable {
        void abort();
    }
}
