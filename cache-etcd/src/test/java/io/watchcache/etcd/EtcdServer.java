package io.watchcache.etcd;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real etcd process on loopback, for integration tests: free ports, a temporary data dir,
 * and the means to kill it (SIGKILL) and start it again on the same ports and data.
 */
final class EtcdServer implements AutoCloseable {

    private final Path binary;
    private final Path dataDir;
    private final int clientPort;
    private final int peerPort;
    private Process process;

    private EtcdServer(Path binary) throws IOException {
        this.binary = binary;
        this.dataDir = Files.createTempDirectory("watchcache-etcd-");
        this.clientPort = freePort();
        this.peerPort = freePort();
    }

    /** The etcd binary on the PATH (or Debian's /usr/bin/etcd), or null when there is none. */
    static Path findBinary() {
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

    static EtcdServer start(Path binary) throws Exception {
        EtcdServer server = new EtcdServer(binary);
        server.start();
        return server;
    }

    String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    synchronized void start() throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        String peer = "http://127.0.0.1:" + peerPort;
        ProcessBuilder builder = new ProcessBuilder(List.of(binary.toString(),
                "--name", "watchcache-test",
                "--data-dir", dataDir.resolve("data").toString(),
                "--listen-client-urls", endpoint(),
                "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "watchcache-test=" + peer,
                "--initial-cluster-state", "new"));
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("etcd.log").toFile()));
        process = builder.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!accepts()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + "; log:\n" + log());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("etcd did not listen on " + endpoint() + " within 30 s; log:\n" + log());
            }
            Thread.sleep(50);
        }
    }

    /** Kills the process the hard way (SIGKILL), as a crash would. */
    synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String log() {
        try {
            return Files.readString(dataDir.resolve("etcd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        kill();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
