package dev.tollgate.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Virtual keys are only ever held as SHA-256 hex digests; the plaintext is hashed on sight. */
public final class KeyHash {

    public static final String PREFIX = "tg-";

    private KeyHash() {}

    /** One digest per thread: looking the algorithm up through the JCA providers on every request costs more than hashing. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JRE", e);
        }
    });

    public static String sha256(String plaintextKey) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return HexFormat.of().formatHex(digest.digest(plaintextKey.getBytes(StandardCharsets.UTF_8)));
    }

    public static boolean isHexDigest(String value) {
        return value.length() == 64 && value.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
