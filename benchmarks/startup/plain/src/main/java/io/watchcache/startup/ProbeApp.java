package io.watchcache.startup;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The application the startup benchmark starts: web, actuator and Prometheus, one endpoint. The
 * benchmark starts it as it is, and with the starter, cache-etcd and one etcd type on the
 * classpath ({@code --spring.main.sources=io.watchcache.startupwith.OneEtcdType}).
 *
 * <p>When ready it notes the JVM's uptime; three seconds later its resident memory and thread
 * count; writes them to the file named by {@code -Dprobe.out} and exits.
 */
@SpringBootApplication
@RestController
public class ProbeApp {

    private static final long SETTLE_MS = 3_000;

    public static void main(String[] args) {
        SpringApplication.run(ProbeApp.class, args);
    }

    @GetMapping("/hello")
    String hello() {
        return "hello";
    }

    @EventListener
    void ready(ApplicationReadyEvent event) {
        long readyMs = ManagementFactory.getRuntimeMXBean().getUptime();
        String out = System.getProperty("probe.out");
        if (out == null) {
            return;
        }
        ConfigurableApplicationContext context = event.getApplicationContext();
        Thread report = new Thread(() -> {
            try {
                Thread.sleep(SETTLE_MS);
                Map<String, String> status = procStatus();
                String line = "ready_ms=" + readyMs
                        + " rss_kib=" + status.getOrDefault("VmRSS", "0 kB").replace(" kB", "").trim()
                        + " threads=" + Thread.getAllStackTraces().size() + "\n";
                Files.writeString(Path.of(out), line, StandardCharsets.UTF_8);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                throw new IllegalStateException("cannot write " + out, e);
            }
            System.exit(SpringApplication.exit(context));
        }, "probe-report");
        report.start();
    }

    private static Map<String, String> procStatus() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8);
        Map<String, String> values = new HashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                values.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return values;
    }
}
