package io.watchcache.sample;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.watchcache.sample.TestHttp.freePort;
import static io.watchcache.sample.TestHttp.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged sample, processed ahead of time by {@code spring-boot:process-aot}, started as a
 * user would start it on the JVM with {@code -Dspring.aot.enabled=true}: the generated bean
 * definitions (typed caches, watches, live value included) must start the app, report health and
 * deliver events, and it must stop promptly on SIGTERM.
 */
class SampleAotIT {

    private Process app;

    @AfterEach
    void stop() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
    }

    @Test
    void theAotProcessedJarStartsReportsHealthDeliversEventsAndStopsOnSigterm() throws Exception {
        Path jar = Path.of(System.getProperty("sample.jar", "target/sample-app-0.1.0-SNAPSHOT.jar"));
        assertThat(jar).exists();
        int port = freePort();
        Path log = Files.createTempFile("sample-aot", ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        app = new ProcessBuilder(List.of(java, "-Dspring.aot.enabled=true", "-jar", jar.toString(),
                "--server.port=" + port, "--sample.writer.interval=300ms"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HttpClient http = HttpClient.newHttpClient();

        await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
                .until(() -> get(http, port, "/actuator/health").statusCode() == 200);
        assertThat(Files.readString(log)).contains("Starting AOT-processed SampleApplication");
        HttpResponse<String> readiness = get(http, port, "/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> get(http, port, "/events").body()
                .contains("\"correlationId\":\"greeting\""));
        assertThat(get(http, port, "/flags/new-ui").body()).contains("\"enabled\"");

        long start = System.nanoTime();
        app.destroy(); // SIGTERM
        assertThat(app.waitFor(20, TimeUnit.SECONDS)).as("exited after SIGTERM; log:%n%s", Files.readString(log))
                .isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
}
