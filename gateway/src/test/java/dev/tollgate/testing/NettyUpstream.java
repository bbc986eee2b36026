package dev.tollgate.testing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real local HTTP server for stream behaviour WireMock cannot produce: a stream that breaks
 * after a few events, and a stream that never ends (to watch a client disconnect cancel it).
 */
public final class NettyUpstream implements AutoCloseable {

    public final AtomicInteger endlessClosed = new AtomicInteger();
    public final AtomicInteger endlessOpened = new AtomicInteger();
    public final AtomicInteger slowStartCancelled = new AtomicInteger();
    private final DisposableServer server;
    /**
     * Its own event loop, not Reactor Netty's global one: closing any Spring context in the same
     * test JVM (GatewayInstance.close) disposes the global loops, which silently killed this server
     * and sent every later "broken"/"endless"/"slowstart" call to its fallback.
     */
    private final reactor.netty.resources.LoopResources loops = reactor.netty.resources.LoopResources.create("netty-upstream", 1, true);

    public NettyUpstream() {
        server = HttpServer.create().runOn(loops).host("127.0.0.1").port(0)
                .route(routes -> routes
                        .post("/broken/v1/chat/completions", (req, res) -> req.receive().then()
                                .then(res.header("content-type", "text/event-stream")
                                        .sendString(Flux.just(
                                                        Transcripts.chunk("m", "{\"role\":\"assistant\",\"content\":\"\"}", null),
                                                        Transcripts.chunk("m", "{\"content\":\"Hel\"}", null))
                                                .concatWith(Mono.delay(Duration.ofMillis(50))
                                                        .then(Mono.error(new IllegalStateException("upstream died")))))
                                        .then()))
                        .post("/slowstart/v1/chat/completions", (req, res) -> req.receive().then()
                                .then(res.header("content-type", "text/event-stream")
                                        .sendString(Mono.delay(Duration.ofSeconds(5))
                                                .doOnCancel(slowStartCancelled::incrementAndGet)
                                                .thenMany(Flux.just(Transcripts.stream("m"))))
                                        .then()))
                        .post("/endless/v1/chat/completions", (req, res) -> req.receive().then()
                                .then(res.header("content-type", "text/event-stream")
                                        .sendString(Flux.interval(Duration.ofMillis(20))
                                                .doOnSubscribe(s -> endlessOpened.incrementAndGet())
                                                .doOnCancel(endlessClosed::incrementAndGet)
                                                .map(i -> Transcripts.chunk("m", "{\"content\":\"word \"}", null)))
                                        .then())))
                .bindNow();
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.disposeNow();
        loops.disposeLater().block(Duration.ofSeconds(5));
    }
}
