package io.watchcache.sample;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What SIGTERM does to the sample (Boot's shutdown hook closes the context): 100 long polls
 * parked in the cache are all answered with the current value, and the context is closed in
 * well under Boot's 30 s graceful-shutdown timeout, which they used to exhaust.
 */
class ShutdownTest {

    private static final int POLLS = 100;

    private ConfigurableApplicationContext context;
    private MeterRegistry meters;

    @AfterEach
    void closeIfStillOpen() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void closingWithAHundredParkedLongPollsAnswersThemAllWithinThreeSeconds() throws Exception {
        // Started as main starts it, on a random port: the test closes it, as the SIGTERM hook would.
        context = new SpringApplicationBuilder(SampleApplication.class).run("--server.port=0",
                "--sample.writer.enabled=false");
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        EmbeddedStore store = context.getBean(EmbeddedStore.class);
        meters = context.getBean(MeterRegistry.class);
        long index = store.put("parked", "value-at-shutdown");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        // A first read makes the entry; each long poll then finds it and waits for a newer index.
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/values/parked")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
        for (int i = 0; i < POLLS; i++) {
            polls.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                            + "/values/parked?index=" + index + "&wait=5m")).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        // Every poll is parked in the cache: waiting on the entry, not answered.
        await().atMost(Duration.ofSeconds(20)).until(() -> parkedCallers() >= POLLS);
        assertThat(polls).noneMatch(CompletableFuture::isDone);

        long start = System.nanoTime();
        context.close();
        Duration closing = Duration.ofNanos(System.nanoTime() - start);

        for (CompletableFuture<HttpResponse<String>> poll : polls) {
            HttpResponse<String> response = poll.get(5, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"value\":\"value-at-shutdown\"");
            assertThat(response.headers().firstValue("X-Watchcache-Index")).contains(Long.toString(index));
        }
        assertThat(closing).isLessThan(Duration.ofSeconds(3));
    }

    /** Reads that found the entry but had to wait for a newer index: the parked long polls. */
    private double parkedCallers() {
        return meters.find("watchcache.gets").tags("type", "values", "result", "miss_block").counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}
