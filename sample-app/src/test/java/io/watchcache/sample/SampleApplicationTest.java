package io.watchcache.sample;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sample as a user runs it: a real server on a random port, the embedded store, HTTP calls. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "sample.writer.enabled=false")
class SampleApplicationTest {

    @LocalServerPort
    int port;

    @Autowired
    EmbeddedStore store;

    @Autowired
    ChangeLog changes;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> getAsync(String path) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void getReturnsTheValueWithItsIndexInAHeader() throws Exception {
        long index = store.put("colour", "blue");

        HttpResponse<String> response = get("/values/colour");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Watchcache-Index")).contains(Long.toString(index));
        assertThat(response.body()).contains("\"value\":\"blue\"").contains("\"exists\":true");
        assertThat(get("/values/nested/key/absent").body()).contains("\"exists\":false");
    }

    @Test
    void aBlockingGetIsReleasedByAWrite() throws Exception {
        long index = store.put("door", "closed");
        get("/values/door");

        CompletableFuture<HttpResponse<String>> waiting = getAsync("/values/door?index=" + index + "&wait=30s");
        Thread.sleep(500);
        assertThat(waiting).isNotDone();
        long next = store.put("door", "open");

        HttpResponse<String> response = waiting.get(20, TimeUnit.SECONDS);
        assertThat(response.body()).contains("\"value\":\"open\"");
        assertThat(response.headers().firstValue("X-Watchcache-Index")).contains(Long.toString(next));
    }

    @Test
    void aBlockingGetReturnsTheCurrentValueWhenTheWaitEnds() throws Exception {
        long index = store.put("quiet", "same");
        long start = System.nanoTime();

        HttpResponse<String> response = get("/values/quiet?index=" + index + "&wait=1s");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Watchcache-Index")).contains(Long.toString(index));
    }

    @Test
    void aConsistentGetSeesTheWriteJustAcknowledged() throws Exception {
        store.put("lamp", "off");
        get("/values/lamp");

        for (int i = 0; i < 50; i++) {
            long index = store.put("lamp", "state-" + i);

            HttpResponse<String> response = get("/values/lamp?consistent");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"value\":\"state-" + i + "\"").contains("\"consistent\":true");
            assertThat(Long.parseLong(response.headers().firstValue("X-Watchcache-Index").orElseThrow()))
                    .isGreaterThanOrEqualTo(index);
        }
        assertThat(get("/values/lamp?consistent&index=3").statusCode()).isEqualTo(400);
    }

    @Test
    void badParametersGetA400WithAClearMessage() throws Exception {
        HttpResponse<String> negative = get("/values/k?index=-3");
        HttpResponse<String> notANumber = get("/values/k?index=abc");
        HttpResponse<String> badWait = get("/values/k?index=1&wait=forever");
        HttpResponse<String> negativeWait = get("/values/k?index=1&wait=-3");
        HttpResponse<String> tooLong = get("/values/k?index=1&wait=2h");

        assertThat(negative.statusCode()).isEqualTo(400);
        assertThat(negative.body()).contains("index must be a non-negative integer");
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(badWait.statusCode()).isEqualTo(400);
        assertThat(badWait.body()).contains("wait must be a duration");
        assertThat(negativeWait.statusCode()).isEqualTo(400);
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("at most 10m");
    }

    @Test
    void aWriteReachesTheEventListenerThroughTheWatchBean() {
        store.put("greeting", "hi from the test");

        await().atMost(Duration.ofSeconds(20)).until(() -> changes.recent().stream()
                .anyMatch(c -> c.correlationId().equals("greeting") && "hi from the test".equals(c.value())));
    }

    @Test
    void actuatorShowsHealthMetricsAndTheWatchcacheEndpoint() throws Exception {
        store.put("probe", "x");
        get("/values/probe");

        HttpResponse<String> health = get("/actuator/health");
        HttpResponse<String> metric = get("/actuator/metrics/watchcache.gets");
        HttpResponse<String> endpoint = get("/actuator/watchcache");

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"watchcache\"");
        assertThat(metric.statusCode()).isEqualTo(200);
        assertThat(metric.body()).contains("\"name\":\"watchcache.gets\"");
        assertThat(endpoint.statusCode()).isEqualTo(200);
        assertThat(endpoint.body()).contains("\"key\":\"probe\"").contains("\"correlationId\":\"greeting\"");

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/actuator/watchcache/no-such-entry")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    void configShowsASampleProperty() throws Exception {
        HttpResponse<String> message = get("/config/sample.message");
        assertThat(message.statusCode()).isEqualTo(200);
        assertThat(message.body()).contains("\"value\":\"hello from application.yml\"");
        assertThat(get("/config/spring.application.name").statusCode()).isEqualTo(403);
    }

    @Test
    void theLiveValueServesTheFlag() throws Exception {
        store.put("feature-flags/new-ui", "on");

        await().atMost(Duration.ofSeconds(10)).until(() -> get("/flags/new-ui").body().contains("\"enabled\":true"));
    }
}
