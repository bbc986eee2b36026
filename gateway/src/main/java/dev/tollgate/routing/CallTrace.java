package dev.tollgate.routing;

import dev.tollgate.provider.UpstreamException;
import java.util.ArrayList;
import java.util.List;

/**
 * What happened to one client call on its way through the deployments: every attempt with its
 * outcome, and which deployment finally served it. Becomes the usage event's fallback path, so a
 * routing decision explains itself after the fact.
 */
public final class CallTrace {

    private final List<String> path = new ArrayList<>(2);
    private final List<UpstreamException> failures = new ArrayList<>(1);
    private final List<DeploymentTarget> tried = new ArrayList<>(2);
    private volatile DeploymentTarget current;
    private volatile DeploymentTarget served;
    private volatile int fallbacks;
    private int skips;

    /** A deployment the plan left out because it lacks {@code missing}; never called, so no attempt. */
    public synchronized void skipped(DeploymentTarget target, RequestNeeds.Capability missing) {
        path.add("skipped:" + target.id() + "(" + missing.id() + ")");
        skips++;
    }

    synchronized void attempt(DeploymentTarget target) {
        if (current != null && !current.id().equals(target.id())) {
            fallbacks++;
        }
        current = target;
        if (tried.stream().noneMatch(t -> t.id().equals(target.id()))) {
            tried.add(target);
        }
    }

    /** Every deployment called for this request, once each, in order. */
    public synchronized List<DeploymentTarget> tried() {
        return List.copyOf(tried);
    }

    synchronized void failed(DeploymentTarget target, UpstreamException e) {
        path.add(target.id() + ":" + e.label());
        failures.add(e);
    }

    synchronized void served(DeploymentTarget target) {
        if (served == null) {
            served = target;
            path.add(target.id() + ":ok");
        }
    }

    /** The deployment that answered, or the last one tried when none did. */
    public DeploymentTarget deployment() {
        return served != null ? served : current;
    }

    public boolean answered() {
        return served != null;
    }

    public synchronized String path() {
        return String.join(" > ", path);
    }

    public synchronized int attempts() {
        return path.size() - skips + (served == null && current != null && failures.isEmpty() ? 1 : 0);
    }

    public int fallbacks() {
        return fallbacks;
    }

    public synchronized List<UpstreamException> failures() {
        return List.copyOf(failures);
    }
}
