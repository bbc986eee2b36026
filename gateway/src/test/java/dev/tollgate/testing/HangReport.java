package dev.tollgate.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a call and, when it never answers, fails with a dump of every thread of the JVM (the
 * in-process gateways included) written next to the test reports: a hang must explain itself the
 * first time it happens, not only when someone manages to reproduce it.
 */
public final class HangReport {

    private HangReport() {
    }

    /** The future's value; on a timeout (the client's own or {@code within}) a thread dump and a failure naming {@code what}. */
    public static <T> T await(CompletableFuture<T> future, Duration within, String what) throws InterruptedException {
        try {
            return future.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw hang(what, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HttpTimeoutException) {
                throw hang(what, e.getCause());
            }
            throw new IllegalStateException(what + " failed", e.getCause());
        }
    }

    private static AssertionError hang(String what, Throwable cause) {
        String dump = threadDump();
        Path file = Path.of("target", "hang-" + Instant.now().toEpochMilli() + ".txt");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, what + " never answered\n\n" + dump);
        } catch (Exception ignored) {
            // the dump still goes to stderr below
        }
        System.err.println(what + " never answered; thread dump (also in " + file.toAbsolutePath() + "):\n" + dump);
        return new AssertionError(what + " never answered; thread dump in " + file.toAbsolutePath(), cause);
    }

    /** Every live thread with its full stack and the locks it holds or waits for. */
    public static String threadDump() {
        StringBuilder out = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            out.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
            if (info.getLockName() != null) {
                out.append(" on ").append(info.getLockName());
            }
            if (info.getLockOwnerName() != null) {
                out.append(" owned by \"").append(info.getLockOwnerName()).append('"');
            }
            out.append('\n');
            for (StackTraceElement frame : info.getStackTrace()) {
                out.append("\tat ").append(frame).append('\n');
            }
            out.append('\n');
        }
        return out.toString();
    }
}
