package dev.rebound.server.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The web dashboard: {@code GET /} is its page, {@code GET /ui/{file}} its stylesheet and JavaScript modules, written
 * by hand and served from the jar ({@code dashboard/} in the resources; no build step, no CDN, no external font).
 * The assets are open, as a login page is: they hold no data. Every figure the dashboard shows comes from the JSON
 * API with the API key the person typed (kept in the tab's {@code sessionStorage}, sent as
 * {@code Authorization: Bearer}, never in a URL), so it sees exactly what that key's scopes allow.
 *
 * <p>A Content-Security-Policy allows scripts, styles and connections to this origin only (no inline script, no
 * {@code eval}), and no framing (clickjacking); the page renders data with {@code textContent}, never as HTML.
 */
final class DashboardRoutes {
    private static final Pattern ASSET = Pattern.compile("[a-z][a-z0-9-]{0,40}\\.(js|css|svg)");
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "html", "text/html; charset=utf-8");
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    List<Route> routes() {
        return List.of(Route.open("GET", "/", ctx -> serve(ctx, "index.html")), Route.open("GET", "/ui/{file}", this::asset));
    }

    private void asset(Context ctx) throws IOException {
        String file = ctx.pathParam("file");
        if (!ASSET.matcher(file).matches())
            throw ApiError.notFound("file", file, "no such dashboard file; the dashboard is at /");
        serve(ctx, file);
    }

    private static void serve(Context ctx, String file) throws IOException {
        try (InputStream in = DashboardRoutes.class.getResourceAsStream("/dashboard/" + file)) {
            if (in == null) throw ApiError.notFound("file", file, "no such dashboard file; the dashboard is at /");
            ctx.header("Content-Security-Policy", CSP).header("X-Content-Type-Options", "nosniff")
                    .header("Referrer-Policy", "no-referrer").header("Cache-Control", "no-cache")
                    .contentType(TYPES.get(file.substring(file.lastIndexOf('.') + 1))).result(in.readAllBytes());
        }
    }
}
