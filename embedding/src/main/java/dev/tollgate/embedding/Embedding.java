package dev.tollgate.embedding;

/**
 * One text's embedding: an L2-normalised vector, the number of tokens the model saw, and how much
 * of the text those tokens cover. A text longer than {@link EmbeddingModel#MAX_TOKENS} is cut: its
 * vector says nothing about the characters from {@code coveredChars} on, so two texts that differ
 * only there get the same vector. Callers that compare texts must compare that tail themselves.
 */
public record Embedding(float[] vector, int tokens, int coveredChars, boolean truncated) {

    /** Cosine similarity of two L2-normalised vectors (their dot product). */
    public static float cosine(float[] a, float[] b) {
        float sum = 0f;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
