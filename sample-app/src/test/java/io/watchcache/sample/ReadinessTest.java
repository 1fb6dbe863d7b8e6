package io.watchcache.sample;

import io.watchcache.AsyncCacheType;
import io.watchcache.CacheRequest;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.TypedCache;
import io.watchcache.spring.boot.CacheWatch;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static io.watchcache.sample.TestHttp.freePort;
import static io.watchcache.sample.TestHttp.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code watchcache.readiness.await-first-value}: the sample is up and answers its probes while
 * a declared watch has no first value, but its readiness probe says no until the value comes.
 * The application is started as {@code main} starts it (readiness is decided after startup, so
 * a test context, which waits for startup, could not watch it happen).
 */
class ReadinessTest {

    /** A source that is down until the test opens it. */
    static final class GatedSource implements AsyncCacheType<CacheRequest, String> {
        static volatile boolean open;

        @Override
        public CompletionStage<FetchResult<String>> fetchAsync(FetchOptions<String> options, CacheRequest request) {
            return open ? CompletableFuture.completedFuture(FetchResult.of("ready", 7))
                    : CompletableFuture.failedFuture(new IOException("source not reachable yet"));
        }

        @Override
        public RegisterOptions registerOptions() {
            return RegisterOptions.builder().refresh(true).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Gated {
        @Bean
        GatedSource gated() {
            return new GatedSource();
        }

        @Bean
        CacheWatch gatedWatch(TypedCache<CacheRequest, String> gated) {
            return CacheWatch.of(gated, () -> RequestInfo.builder().key("gate")
                    .maxAge(Duration.ofMillis(200)).build(), "gate");
        }
    }

    @Test
    void readinessIsRefusedUntilTheWatchHasItsFirstValueThenAccepted() throws Exception {
        GatedSource.open = false;
        int port = freePort();
        CompletableFuture<ConfigurableApplicationContext> app = CompletableFuture.supplyAsync(() ->
                new SpringApplicationBuilder(SampleApplication.class, Gated.class).run("--server.port=" + port,
                        "--sample.writer.enabled=false", "--watchcache.backoff.max-wait=200ms",
                        "--watchcache.readiness.timeout=1m"));
        HttpClient http = HttpClient.newHttpClient();
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> get(http, port, "/actuator/health/liveness").statusCode() == 200);

            HttpResponse<String> refused = get(http, port, "/actuator/health/readiness");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("\"readinessState\":{\"status\":\"OUT_OF_SERVICE\"")
                    .contains("watch gatedWatch (gated: gate)");
            assertThat(app).isNotDone();

            GatedSource.open = true;

            ConfigurableApplicationContext context = app.get(30, TimeUnit.SECONDS);
            try {
                HttpResponse<String> accepted = get(http, port, "/actuator/health/readiness");
                assertThat(accepted.statusCode()).isEqualTo(200);
                assertThat(accepted.body()).contains("\"status\":\"UP\"");
            } finally {
                context.close();
            }
        } finally {
            GatedSource.open = true;
            app.thenAccept(ConfigurableApplicationContext::close);
        }
    }
}
