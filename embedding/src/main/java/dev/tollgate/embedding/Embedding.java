package dev.tollgate.embedding;

/**
 * One text's embedding: an L2-normalised vector, the number of tokens the model saw, and how much
 * of the text those tokens cover. A text longer than {@link EmbeddingModel#MAX_TOKENS} is cut: its
 * vector says nothing about the characters from {@code coveredChars} on, so two texts that differ
 * only there get the same vector. Callers that compare texts must compare that tail themselves.
 */
public record Embedding(float[] vector, int tokens, int coveredChars, boolean truncated) {

    /** A vector as OpenAI sends {@code encoding_format: base64}: little-endian float32, base64. */
    public static String toBase64(float[] vector) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(vector.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : vector) {
            bytes.putFloat(f);
        }
        return java.util.Base64.getEncoder().encodeToString(bytes.array());
    }

    /** The inverse of {@link #toBase64}. */
    public static float[] fromBase64(String base64) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(base64))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] vector = new float[bytes.remaining() / 4];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = bytes.getFloat();
        }
        return vector;
    }

    /** Cosine similarity of two L2-normalised vectors (their dot product). */
    public static float cosine(float[] a, float[] b) {
        float sum = 0f;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
