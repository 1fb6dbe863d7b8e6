package io.watchcache.sample;

import io.watchcache.WatchCache;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's HTTP API as the README documents it: units of {@code wait}, one error format
 * (problem+json) for every error, Tomcat's own included, and a bounded number of entries.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sample.writer.enabled=false", "watchcache.max-entries=50"})
class HttpApiTest {

    @LocalServerPort
    int port;

    @Autowired
    EmbeddedStore store;

    @Autowired
    WatchCache cache;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detail) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.body()).contains("\"status\":" + status).contains(detail);
    }

    @Test
    void aWaitWithoutAUnitIsSecondsAsInConsul() throws Exception {
        long index = store.put("bare-wait", "v");
        long start = System.nanoTime();

        HttpResponse<String> response = send(at("/values/bare-wait?index=" + index + "&wait=1"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void aWaitWithoutAnIndexIsRefusedRatherThanIgnored() throws Exception {
        assertProblem(send(at("/values/k?wait=30s")), 400, "wait applies to a blocking read");
    }

    @Test
    void everyErrorIsProblemJson() throws Exception {
        assertProblem(send(at("/values/k?index=abc")), 400, "index must be a non-negative integer");
        assertProblem(send(at("/values/k?index=1&wait=2h")), 400, "at most 10m");
        assertProblem(send(at("/values/" + "k".repeat(5000))), 400, "a key may have at most 4096 characters");
        // Too long for Tomcat to read at all: answered before Spring, in the same format.
        assertProblem(send(at("/values/" + "k".repeat(40_000))), 400, "longer than the server accepts");
        assertProblem(send(at("/values/k").PUT(HttpRequest.BodyPublishers.noBody())
                .header("Content-Type", "text/plain")), 400,
                "a PUT stores its body as the value, and the body is empty");
        assertProblem(send(at("/values/k").POST(HttpRequest.BodyPublishers.ofString("x"))), 405, "POST");
        assertProblem(send(at("/no-such-page")), 404, "Not Found");
    }

    @Test
    void unknownKeysCannotGrowTheCacheBeyondMaxEntries() throws Exception {
        for (int i = 0; i < 300; i++) {
            assertThat(send(at("/values/random-" + UUID.randomUUID())).statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> cache.snapshot().entries().size() <= 50);
    }
}
