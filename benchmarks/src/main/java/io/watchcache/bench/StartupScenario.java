package io.watchcache.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.watchcache.etcd.EtcdCluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the starter costs at startup: the same web, actuator and Prometheus application started
 * as it is, and with the starter, cache-etcd and one etcd type; the latter without an import,
 * with an {@code optional:} import of 100 keys from a local etcd, and with one whose port is
 * closed. Each start is a fresh JVM; the variants alternate, round after round, so a slow spell
 * of the machine falls on all of them. The application notes its JVM uptime when ready, and its
 * resident memory and threads three seconds later (see {@code io.watchcache.startup.ProbeApp}).
 */
final class StartupScenario {

    static final int IMPORTED_KEYS = 100;

    /** One start: JVM uptime when ready, resident MiB and live threads three seconds later. */
    record Start(double readyMs, double rssMib, double threads) {
    }

    enum Variant { PLAIN, STARTER, STARTER_IMPORT, STARTER_IMPORT_REFUSED }

    private StartupScenario() {
    }

    static Map<Variant, List<Start>> run(Path etcdBinary, int rounds) throws Exception {
        String plain = classpath("plain");
        String withStarter = classpath("with-starter");
        Map<Variant, List<Start>> starts = new LinkedHashMap<>();
        for (Variant v : Variant.values()) {
            starts.put(v, new ArrayList<>());
        }
        try (EtcdCluster etcd = EtcdCluster.start(etcdBinary, 1)) {
            String endpoint = etcd.endpoints().get(0);
            try (Client client = Client.builder().endpoints(endpoint).build()) {
                for (int i = 0; i < IMPORTED_KEYS; i++) {
                    client.getKVClient().put(utf8("config/startup/startup.key-" + i), utf8("value-" + i))
                            .get(10, TimeUnit.SECONDS);
                }
            }
            String closed = "http://127.0.0.1:" + closedPort();
            // One start of each first, not counted: the page cache holds the jars for every later one.
            for (int round = -1; round < rounds; round++) {
                for (Variant v : Variant.values()) {
                    List<String> args = new ArrayList<>(List.of("--server.port=0"));
                    String cp = plain;
                    if (v != Variant.PLAIN) {
                        cp = withStarter;
                        args.add("--spring.main.sources=io.watchcache.startupwith.OneEtcdType");
                        String at = v == Variant.STARTER_IMPORT_REFUSED ? closed : endpoint;
                        args.add("--watchcache.etcd.endpoints=" + at);
                    }
                    if (v == Variant.STARTER_IMPORT || v == Variant.STARTER_IMPORT_REFUSED) {
                        args.add("--spring.config.import=optional:watchcache-etcd:config/startup/");
                    }
                    Start start = start(cp, args);
                    if (round >= 0) {
                        starts.get(v).add(start);
                    }
                    BenchmarkMain.log("startup round " + (round + 1) + " " + v + ": " + start);
                }
            }
        }
        return starts;
    }

    private static Start start(String classpath, List<String> args) throws Exception {
        Path out = Files.createTempFile("watchcache-startup", ".txt");
        Path log = Files.createTempFile("watchcache-startup", ".log");
        try {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(java, "-Dprobe.out=" + out, "-cp", classpath,
                    "io.watchcache.startup.ProbeApp"));
            command.addAll(args);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("the application did not stop within 120 s: " + tail(log));
            }
            String line = Files.readString(out).trim();
            if (process.exitValue() != 0 || line.isEmpty()) {
                throw new IllegalStateException("the application failed (exit " + process.exitValue() + "): "
                        + tail(log));
            }
            Map<String, Double> values = new LinkedHashMap<>();
            for (String pair : line.split(" ")) {
                int eq = pair.indexOf('=');
                values.put(pair.substring(0, eq), Double.parseDouble(pair.substring(eq + 1)));
            }
            return new Start(values.get("ready_ms"), values.get("rss_kib") / 1024.0, values.get("threads"));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(log);
        }
    }

    private static String classpath(String module) throws IOException {
        Path target = Path.of("benchmarks", "startup", module, "target");
        Path listed = target.resolve("classpath.txt");
        if (!Files.isRegularFile(listed)) {
            throw new IllegalStateException(listed + " is missing: build with benchmarks/run.sh (it packages "
                    + "benchmarks/startup/*)");
        }
        return target.resolve("classes") + ":" + Files.readString(listed).trim();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static ByteSequence utf8(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
