package io.watchcache.etcd;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Real etcd processes on loopback, for integration tests and benchmarks: a static cluster of
 * one or more members on free ports with temporary data dirs. Each member can be killed
 * (SIGKILL), frozen (SIGSTOP), thawed (SIGCONT) and restarted on the same ports and data, and its
 * Prometheus metrics read.
 *
 * <p>Public, and shipped in cache-etcd's test-jar, so the benchmarks start etcd the same way.
 */
public final class EtcdCluster implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Server certificate, key and the CA that signed it, for members that serve clients over TLS. */
    public record Tls(Path certificate, Path key, Path ca) {
    }

    private final List<Member> members = new ArrayList<>();
    private final Path root;

    private EtcdCluster(Path binary, int size, Tls tls) throws IOException {
        this.root = Files.createTempDirectory("watchcache-etcd-");
        String token = "watchcache-" + Long.toHexString(System.nanoTime());
        HttpClient http = tls == null ? HTTP : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .sslContext(trusting(tls.ca())).build();
        for (int i = 0; i < size; i++) {
            members.add(new Member(binary, root.resolve("m" + i), "m" + i, freePort(), freePort(), token, tls, http));
        }
        String initial = members.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
        members.forEach(m -> m.initialCluster = initial);
    }

    /** The etcd binary on the PATH (or Debian's /usr/bin/etcd), or null when there is none. */
    public static Path findBinary() {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "etcd");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path debian = Path.of("/usr/bin/etcd");
        return Files.isExecutable(debian) ? debian : null;
    }

    /** Starts {@code size} members and waits until every one serves clients. */
    public static EtcdCluster start(Path binary, int size) throws Exception {
        return start(binary, size, null);
    }

    /** Starts {@code size} members that serve clients over TLS with {@code tls} (null: plain). */
    public static EtcdCluster start(Path binary, int size, Tls tls) throws Exception {
        EtcdCluster cluster = new EtcdCluster(binary, size, tls);
        try {
            for (Member member : cluster.members) {
                member.launch();
            }
            for (Member member : cluster.members) {
                member.awaitServing();
            }
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public List<Member> members() {
        return members;
    }

    public Member member(int i) {
        return members.get(i);
    }

    public List<String> endpoints() {
        return members.stream().map(Member::endpoint).toList();
    }

    /** Restarts every member that is not running, and thaws every frozen one. */
    public void ensureAllRunning() throws Exception {
        for (Member member : members) {
            member.cont();
            member.launch();
        }
        for (Member member : members) {
            member.awaitServing();
        }
    }

    @Override
    public void close() throws Exception {
        for (Member member : members) {
            member.cont();
            member.kill();
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One etcd process. */
    public static final class Member {

        private final Path binary;
        private final Path dir;
        private final String name;
        private final int clientPort;
        private final int peerPort;
        private final String clusterToken;
        private final Tls tls;
        private final HttpClient http;
        private String initialCluster;
        // Guarded by this.
        private Process process;
        private boolean launchedOnce;
        private boolean frozen;

        private Member(Path binary, Path dir, String name, int clientPort, int peerPort, String clusterToken, Tls tls,
                       HttpClient http) throws IOException {
            this.tls = tls;
            this.http = http;
            this.binary = binary;
            this.dir = Files.createDirectories(dir);
            this.name = name;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            this.clusterToken = clusterToken;
        }

        public String name() {
            return name;
        }

        public String endpoint() {
            return (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }

        public synchronized long pid() {
            return process == null ? -1 : process.pid();
        }

        public synchronized boolean isRunning() {
            return process != null && process.isAlive();
        }

        /** Starts the process if it is not running and waits until it serves clients. */
        public void start() throws Exception {
            launch();
            awaitServing();
        }

        private synchronized void launch() throws IOException {
            if (process != null && process.isAlive()) {
                return;
            }
            List<String> command = new ArrayList<>(List.of(binary.toString(),
                    "--name", name,
                    "--data-dir", dir.resolve("data").toString(),
                    "--listen-client-urls", endpoint(),
                    "--advertise-client-urls", endpoint(),
                    "--listen-peer-urls", peerUrl(),
                    "--initial-advertise-peer-urls", peerUrl(),
                    "--initial-cluster", initialCluster,
                    "--initial-cluster-token", clusterToken,
                    // A restart rejoins with the data dir; the flag is ignored once it exists.
                    "--initial-cluster-state", "new",
                    // Short elections keep the fault tests quick (etcd's defaults: 100 ms / 1 s).
                    "--heartbeat-interval", "100",
                    "--election-timeout", "1000",
                    "--logger", "zap", "--log-outputs", "stderr"));
            if (tls != null) {
                command.addAll(List.of("--cert-file", tls.certificate().toString(), "--key-file", tls.key()
                        .toString()));
            }
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.redirectErrorStream(true);
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()));
            process = builder.start();
            launchedOnce = true;
            frozen = false;
        }

        private void awaitServing() throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!serving()) {
                Process p;
                synchronized (this) {
                    p = process;
                }
                if (p == null || !p.isAlive()) {
                    throw new IllegalStateException("etcd " + name + " exited" + (p == null ? "" : " with "
                            + p.exitValue()) + "; log:\n" + tail(log(), 4000));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("etcd " + name + " did not serve " + endpoint()
                            + " within 30 s; log:\n" + tail(log(), 4000));
                }
                Thread.sleep(50);
            }
        }

        /** Whether the member answers {@code /health} (it has a leader and serves reads). */
        private boolean serving() {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
            } catch (IOException e) {
                return false;
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                return response.statusCode() == 200 && response.body().contains("true");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Kills the process the hard way (SIGKILL), as a crash would. */
        public synchronized void kill() throws InterruptedException {
            if (process != null) {
                process.destroyForcibly();
                process.waitFor();
                frozen = false;
            }
        }

        /**
         * Stops the process the polite way (SIGTERM), as an orderly restart or a rolling upgrade
         * does: etcd closes its streams and connections before it exits. Waits for the exit.
         */
        public synchronized void terminate() throws IOException, InterruptedException {
            if (process != null && process.isAlive()) {
                if (frozen) {
                    signal("CONT");
                    frozen = false;
                }
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor();
                }
            }
        }

        /** Freezes the process (SIGSTOP): its sockets stay open and nothing answers, like a hung host. */
        public synchronized void stop() throws IOException, InterruptedException {
            if (process != null && process.isAlive()) {
                signal("STOP");
                frozen = true;
            }
        }

        /** Thaws a frozen process (SIGCONT). */
        public synchronized void cont() throws IOException, InterruptedException {
            if (frozen && process != null && process.isAlive()) {
                signal("CONT");
            }
            frozen = false;
        }

        private void signal(String signal) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (kill.waitFor() != 0) {
                throw new IOException("kill -" + signal + " " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        }

        /** The member's Prometheus metrics text. */
        public String metrics() throws IOException, InterruptedException {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.body();
        }

        /**
         * The sum of every sample of {@code metric} whose labels contain all of {@code labels}
         * (each written as {@code name="value"}); 0 when there is none.
         */
        public double metric(String metric, String... labels) throws IOException, InterruptedException {
            return sumMetric(metrics(), metric, labels);
        }

        /** Open watch streams on this member ({@code etcd_debugging_mvcc_watch_stream_total}). */
        public long watchStreams() throws IOException, InterruptedException {
            return (long) metric("etcd_debugging_mvcc_watch_stream_total");
        }

        /** Watches (etcd watch ids, on any stream) open on this member ({@code etcd_debugging_mvcc_watcher_total}). */
        public long watchers() throws IOException, InterruptedException {
            return (long) metric("etcd_debugging_mvcc_watcher_total");
        }

        /** Range and Watch RPCs this member has started (gRPC server metrics). */
        public long rangeAndWatchRpcs() throws IOException, InterruptedException {
            String text = metrics();
            return (long) (sumMetric(text, "grpc_server_started_total", "grpc_method=\"Range\"")
                    + sumMetric(text, "grpc_server_started_total", "grpc_method=\"Watch\""));
        }

        public String log() {
            try {
                return Files.readString(dir.resolve("etcd.log"));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        @Override
        public synchronized String toString() {
            return name + "[" + endpoint() + (process == null ? "" : ", pid " + process.pid()) + (frozen ? ", frozen"
                    : isRunning() ? "" : launchedOnce ? ", down" : ", not started") + "]";
        }
    }

    static double sumMetric(String text, String metric, String... labels) {
        double sum = 0;
        for (String line : text.split("\n")) {
            if (!line.startsWith(metric) || line.startsWith("#")) {
                continue;
            }
            String rest = line.substring(metric.length());
            if (!rest.startsWith(" ") && !rest.startsWith("{")) {
                continue; // a longer metric name with this one as its prefix
            }
            boolean matches = true;
            for (String label : labels) {
                matches &= rest.contains(label);
            }
            if (matches) {
                sum += Double.parseDouble(rest.substring(rest.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static SSLContext trusting(Path caPem) throws IOException {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust " + caPem, e);
        }
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }

    /** Ports handed out in this JVM: the kernel may offer a just-closed port again. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A loopback port nothing listens on, never one handed out before in this JVM: two members
     * given the same port fail to start ("initial cluster ... has duplicate url").
     */
    private static int freePort() throws IOException {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        }
    }
}
