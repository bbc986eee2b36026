package dev.tollgate.console;

import java.time.Duration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The admin console at {@code /console}: static files shipped in the jar (no extra process, no
 * Node.js), a page that only calls the admin API with the admin key the user signs in with. The
 * key is kept in the tab's sessionStorage and sent as a bearer header, never in a cookie, so no
 * other site can make the browser use it (no CSRF). A strict Content-Security-Policy allows
 * scripts, styles and requests from this origin only: no inline script, nothing from the network.
 */
public final class ConsoleRoutes {

    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private ConsoleRoutes() {}

    public static RouterFunction<ServerResponse> routes() {
        ClassPathResource index = new ClassPathResource("console/index.html");
        return RouterFunctions.route()
                .GET("/console", r -> ServerResponse.ok().contentType(MediaType.TEXT_HTML)
                        .cacheControl(CacheControl.noCache()).bodyValue(index))
                .add(RouterFunctions.resources("/console/**", new ClassPathResource("console/")))
                .filter((request, next) -> {
                    // On the exchange's response: a built ServerResponse's headers are read-only.
                    var headers = request.exchange().getResponse().getHeaders();
                    headers.set("Content-Security-Policy", CSP);
                    headers.set("X-Content-Type-Options", "nosniff");
                    headers.set("Referrer-Policy", "no-referrer");
                    headers.set("X-Frame-Options", "DENY");
                    headers.setCacheControl(CacheControl.maxAge(Duration.ofMinutes(5)).cachePrivate());
                    return next.handle(request);
                })
                .build();
    }
}
