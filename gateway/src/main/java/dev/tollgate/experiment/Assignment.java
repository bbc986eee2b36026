package dev.tollgate.experiment;

import dev.tollgate.config.Experiment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which variant a unit (a user, a key or a request) gets in an experiment: the first 8 bytes of
 * SHA-256(experiment name, unit) as an unsigned number, modulo the sum of the weights, picks the
 * variant whose weight range holds it. No state and no randomness: every replica, and the same
 * replica after a restart, puts the same user in the same variant; a user's variant in one
 * experiment says nothing about their variant in another (the name is part of the hash).
 */
public final class Assignment {

    private Assignment() {}

    public static Experiment.Variant variant(Experiment experiment, String unit) {
        int total = 0;
        for (Experiment.Variant v : experiment.variants()) {
            total += v.weight();
        }
        long bucket = Long.remainderUnsigned(hash(experiment.name(), unit), total);
        for (Experiment.Variant v : experiment.variants()) {
            bucket -= v.weight();
            if (bucket < 0) {
                return v;
            }
        }
        throw new IllegalStateException("weights of " + experiment.name() + " add up to " + total);
    }

    static long hash(String experiment, String unit) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(experiment.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0); // so ("ab", "c") and ("a", "bc") differ
            sha.update(unit.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
