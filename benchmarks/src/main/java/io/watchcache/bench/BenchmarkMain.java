package io.watchcache.bench;

import io.watchcache.etcd.EtcdCluster;
import io.watchcache.etcd.EtcdTypeOptions;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Runs every benchmark scenario side by side in one process and prints a table; writes
 * {@code target/results.json} (one number per figure) and {@code target/results-details.json}.
 *
 * <pre>
 *   --quick             small sizes, short runs (a smoke test, under 3 minutes)
 *   --only a,b          run only these scenarios: hit, freshness, watch-scale, core-heap, fan-out, shutdown,
 *                       coalescing, etcd (real etcd members on loopback; skipped with a note when no etcd binary is
 *                       found), or a part of it: etcd-leak, etcd-soak, etcd-config, etcd-prefix,
 *                       etcd-consistent, etcd-contact, etcd-frozen, etcd-rolling, etcd-fleet; startup (fresh
 *                       JVMs of a small web application with and without the starter, against a local etcd)
 *   --fleet-sizes a,b   etcd-fleet with these watch counts only (default 1000,5000,100000; quick 1000)
 *   --sync              watch-scale with a synchronous type (the Java 25 virtual-thread variant)
 *   --out DIR           where to write the JSON files (default target)
 *   --jdk25 PATH        a Java 21+ home for the virtual-thread variant (run.sh passes it when present)
 * </pre>
 */
public final class BenchmarkMain {

    private BenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean sync = false;
        Set<String> only = null;
        Path out = Path.of("target");
        String jdk25 = null;
        int[] fleetSizes = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--sync" -> sync = true;
                case "--only" -> only = Set.of(args[++i].split(","));
                case "--out" -> out = Path.of(args[++i]);
                case "--jdk25" -> jdk25 = args[++i];
                case "--fleet-sizes" -> fleetSizes = Arrays.stream(args[++i].split(",")).map(String::trim)
                        .mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        Files.createDirectories(out);
        Figures figures = new Figures();
        int runs = quick ? 1 : 3;
        if (only == null || only.contains("hit")) {
            hitPath(figures, quick);
        }
        if (only == null || only.contains("freshness")) {
            freshness(figures, quick, runs);
        }
        if (only == null || only.contains("watch-scale")) {
            watchScale(figures, quick, sync, quick ? 1 : 2, sync ? "_vt_sync" : "");
            if (jdk25 != null && !sync) {
                watchScaleOnJdk25(figures, quick, jdk25, out);
            }
        }
        if (only == null || only.contains("core-heap")) {
            coreHeap(figures, quick, runs);
        }
        if (only == null || only.contains("fan-out")) {
            fanOut(figures, quick, runs);
        }
        if (only == null || only.contains("shutdown")) {
            shutdown(figures, quick, runs);
        }
        if (only == null || only.contains("coalescing")) {
            coalescing(figures, quick, runs);
        }
        if (only == null || only.stream().anyMatch(name -> name.startsWith("etcd"))) {
            etcd(figures, quick, only, fleetSizes);
        }
        if (only == null || only.contains("startup")) {
            startup(figures, quick);
        }
        Map<String, String> machine = machine(quick);
        System.out.println();
        System.out.println("watchcache benchmarks (" + (quick ? "quick" : "full") + ") on " + machine);
        System.out.println(figures.table());
        Files.writeString(out.resolve("results.json"), figures.json());
        Files.writeString(out.resolve("results-details.json"), figures.detailsJson(machine));
        System.out.println("wrote " + out.resolve("results.json") + " and results-details.json");
    }

    // ---- 1. hit path (JMH) ----

    private static void hitPath(Figures figures, boolean quick) throws Exception {
        Map<String, Result<?>[]> scores = new LinkedHashMap<>();
        for (int threads : new int[] {1, 2}) {
            // Three forks: the score is their median-of-iterations mean, and a fork that JIT-compiled
            // the loop badly cannot decide the figure alone. The 2-thread peers swing with load:
            // run on a quiet machine and check Caffeine's own figure against its quiet value.
            ChainedOptionsBuilder options = new OptionsBuilder().include(HitPathBenchmark.class.getName() + "\\.")
                    .forks(quick ? 1 : 3).threads(threads)
                    .warmupIterations(quick ? 1 : 3).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(quick ? 2 : 5).measurementTime(TimeValue.seconds(1))
                    .jvmArgsAppend("-Xms512m", "-Xmx512m")
                    .shouldFailOnError(true);
            if (threads == 1) {
                options.addProfiler(GCProfiler.class);
            }
            Collection<RunResult> results = new Runner(options.build()).run();
            for (RunResult result : results) {
                String method = result.getParams().getBenchmark();
                method = method.substring(method.lastIndexOf('.') + 1);
                Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
                scores.put(method + "_" + threads + "t", new Result<?>[] {result.getPrimaryResult(), alloc});
            }
        }
        for (int threads : new int[] {1, 2}) {
            double ours = scores.get("watchcache_" + threads + "t")[0].getScore();
            double caffeine = scores.get("caffeine_" + threads + "t")[0].getScore();
            double chm = scores.get("concurrentHashMap_" + threads + "t")[0].getScore();
            Result<?> r = scores.get("watchcache_" + threads + "t")[0];
            double[] range = {r.getStatistics().getMin(), r.getStatistics().getMax()};
            figures.add(new Figures.Figure("hit_ops_per_s_" + threads + "t", "ops/s", ours, range[0], range[1],
                    caffeine, ours / caffeine, null, null, "peer: Caffeine getIfPresent; CHM " + Figures.fmt(chm)));
            figures.add(new Figures.Figure("hit_ops_ratio_vs_caffeine_" + threads + "t", "x", ours / caffeine,
                    ours / caffeine, ours / caffeine, null, null, ">= 1.0", ours / caffeine >= 1.0, null));
            figures.add(new Figures.Figure("hit_ops_ratio_vs_chm_" + threads + "t", "x", ours / chm, ours / chm,
                    ours / chm, null, null, null, null, null));
        }
        for (int threads : new int[] {1, 2}) {
            double plain = scores.get("watchcachePlainType_" + threads + "t")[0].getScore();
            double caffeine = scores.get("caffeine_" + threads + "t")[0].getScore();
            figures.add(new Figures.Figure("hit_plain_type_ops_ratio_vs_caffeine_" + threads + "t", "x",
                    plain / caffeine, plain / caffeine, plain / caffeine, null, null, threads == 2 ? ">= 0.5" : null,
                    threads == 2 ? plain / caffeine >= 0.5 : null,
                    "a non-refreshing type: the hit builds a result with the value's age (coarse clock)"));
        }
        for (int threads : new int[] {1, 2}) {
            double live = scores.get("watchcacheLive_" + threads + "t")[0].getScore();
            double caffeine = scores.get("caffeine_" + threads + "t")[0].getScore();
            figures.add(new Figures.Figure("live_hit_ops_per_s_" + threads + "t", "ops/s", live, live, live, caffeine,
                    live / caffeine, null, null, "LiveValue.get(); peer: Caffeine getIfPresent"));
            figures.add(new Figures.Figure("live_hit_ops_ratio_vs_caffeine_" + threads + "t", "x", live / caffeine,
                    live / caffeine, live / caffeine, null, null, threads == 2 ? ">= 3" : null,
                    threads == 2 ? live / caffeine >= 3 : null, null));
        }
        double caffeineAlloc = allocOf(scores, "caffeine");
        double hitAlloc = allocOf(scores, "watchcache");
        figures.add(new Figures.Figure("hit_alloc_bytes", "B/op", hitAlloc, hitAlloc, hitAlloc, caffeineAlloc, null,
                "0", hitAlloc < 0.5, "TypedCache.get hit; JMH gc profiler, gc.alloc.rate.norm"));
        double liveAlloc = allocOf(scores, "watchcacheLive");
        figures.add(new Figures.Figure("live_hit_alloc_bytes", "B/op", liveAlloc, liveAlloc, liveAlloc, caffeineAlloc,
                null, "0", liveAlloc < 0.5, "LiveValue.get; JMH gc profiler, gc.alloc.rate.norm"));
    }

    /** Bytes allocated per operation of {@code benchmark} (1 thread, the gc profiler's run). */
    private static double allocOf(Map<String, Result<?>[]> scores, String benchmark) {
        Result<?> alloc = scores.get(benchmark + "_1t")[1];
        return alloc == null ? Double.NaN : alloc.getScore();
    }

    // ---- 2. freshness ----

    private static void freshness(Figures figures, boolean quick, int runs) throws Exception {
        Duration duration = Duration.ofSeconds(quick ? 10 : 60);
        int keys = 1000;
        double[] oursP99 = new double[runs];
        double[] peerP99 = new double[runs];
        double[] oursP50 = new double[runs];
        double[] peerP50 = new double[runs];
        double[] stalenessRatio = new double[runs];
        double[] callsRatio = new double[runs];
        double[] oursCalls = new double[runs];
        double[] peerCalls = new double[runs];
        for (int r = 0; r < runs; r++) {
            Scenarios.Freshness ours = Scenarios.freshness(true, keys, duration);
            Scenarios.Freshness peer = Scenarios.freshness(false, keys, duration);
            log("freshness run " + (r + 1) + ": ours " + ours + "\n                  caffeine " + peer);
            oursP99[r] = ours.stalenessP99Ms();
            peerP99[r] = peer.stalenessP99Ms();
            oursP50[r] = ours.stalenessP50Ms();
            peerP50[r] = peer.stalenessP50Ms();
            stalenessRatio[r] = peer.stalenessP99Ms() / ours.stalenessP99Ms();
            oursCalls[r] = ours.backendCalls();
            peerCalls[r] = peer.backendCalls();
            callsRatio[r] = ours.backendCalls() / (double) peer.backendCalls();
        }
        figures.add("staleness_p50_ms", "ms", oursP50, LongSamples.median(peerP50), null, null, null,
                "peer: Caffeine refreshAfterWrite(1s)");
        figures.add("staleness_p99_ms", "ms", oursP99, LongSamples.median(peerP99), null, null, null,
                "peer: Caffeine refreshAfterWrite(1s)");
        figures.add("staleness_p99_ratio_caffeine_over_ours", "x", stalenessRatio, null, null, ">= 50",
                LongSamples.median(stalenessRatio) >= 50, null);
        figures.add("backend_calls", "calls", oursCalls, LongSamples.median(peerCalls), null, null, null,
                keys + " keys, ~" + keys + " writes/s, " + duration.toSeconds() + " s");
        figures.add("backend_calls_ratio_ours_over_caffeine", "x", callsRatio, null, null, "<= 1",
                LongSamples.median(callsRatio) <= 1, null);
    }

    // ---- 3. watch scale ----

    private static void watchScale(Figures figures, boolean quick, boolean sync, int runs, String suffix)
            throws Exception {
        int watches = quick ? 1000 : 10_000;
        Duration duration = Duration.ofSeconds(quick ? 5 : 30);
        double[] threads = new double[runs];
        double[] bytes = new double[runs];
        double[] p99 = new double[runs];
        double[] staged = new double[runs];
        for (int r = 0; r < runs; r++) {
            Scenarios.WatchScale result = Scenarios.watchScale(watches, duration,
                    sync ? Scenarios.Form.SYNC : Scenarios.Form.CALLBACK);
            log("watch scale run " + (r + 1) + (sync ? " (sync type)" : " (async type, callback)") + ": " + result);
            threads[r] = result.liveThreads();
            bytes[r] = result.retainedBytesPerWatch();
            p99[r] = result.updateToListenerP99Ms();
            if (!sync) {
                // The heap only: a source that returns stages keeps more per pending query.
                staged[r] = Scenarios.watchScale(watches, Duration.ZERO, Scenarios.Form.STAGE).retainedBytesPerWatch();
                log("watch scale run " + (r + 1) + " (async type, stage): " + Figures.fmt(staged[r]) + " B per watch");
            }
        }
        String note = watches + " watches, 1000 updates/s, " + duration.toSeconds() + " s, Java "
                + Runtime.version().feature() + (sync ? ", synchronous type" : ", asynchronous type");
        figures.add("watches_live_threads" + suffix, "threads", threads, null, null, sync ? null : "<= 64",
                sync ? null : LongSamples.median(threads) <= 64, note);
        figures.add("watch_retained_heap_bytes_per_watch" + suffix, "B", bytes, null, null, sync ? null : "<= 1024",
                sync ? null : LongSamples.median(bytes) <= 1024, "includes the entry and the store's pending query"
                        + (sync ? "" : " (the store answering the cache's callback)"));
        if (!sync) {
            figures.add("watch_retained_heap_bytes_per_watch_stage", "B", staged, null, null, null, null,
                    "the same, the store returning a stage per query (fetchAsync's stage form)");
        }
        figures.add("update_to_listener_p99_ms" + suffix, "ms", p99, null, null, sync ? null : "<= 20",
                sync ? null : LongSamples.median(p99) <= 20, "includes the simulated 1-5 ms backend latency");
    }

    private static void coreHeap(Figures figures, boolean quick, int runs) throws Exception {
        int entries = quick ? 5_000 : 20_000;
        double[] bytes = new double[runs];
        double[] staged = new double[runs];
        for (int r = 0; r < runs; r++) {
            bytes[r] = Scenarios.coreHeapBytesPerWatchedEntry(entries, true);
            staged[r] = Scenarios.coreHeapBytesPerWatchedEntry(entries, false);
            log("core heap run " + (r + 1) + ": " + Figures.fmt(bytes[r]) + " B per watched entry ("
                    + Figures.fmt(staged[r]) + " B through a stage)");
        }
        figures.add("core_heap_bytes_per_watched_entry", "B", bytes, null, null, "<= 400",
                LongSamples.median(bytes) <= 400, entries + " watched entries, the source holding nothing per entry"
                        + " and answering the cache's callback");
        figures.add("core_heap_bytes_per_watched_entry_stage", "B", staged, null, null, null, null,
                "the same, the source returning one shared stage (fetchAsync's stage form)");
    }

    /** The watch-scale scenario with a synchronous type on virtual threads, in a Java 21+ JVM. */
    private static void watchScaleOnJdk25(Figures figures, boolean quick, String jdk25, Path out) throws Exception {
        Path subOut = out.resolve("jdk25");
        List<String> command = new ArrayList<>(List.of(Path.of(jdk25, "bin", "java").toString(), "-Xmx2g",
                "-cp", System.getProperty("java.class.path"), BenchmarkMain.class.getName(),
                "--only", "watch-scale", "--sync", "--out", subOut.toString()));
        if (quick) {
            command.add("--quick");
        }
        log("running the virtual-thread variant on " + jdk25);
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the Java 25 watch-scale run failed with " + process.exitValue());
        }
        String json = Files.readString(subOut.resolve("results-details.json"));
        Map<String, Double> flat = Figures.parseFlat(Files.readString(subOut.resolve("results.json")));
        for (Map.Entry<String, Double> e : flat.entrySet()) {
            figures.add(new Figures.Figure(e.getKey(), "", e.getValue(), e.getValue(), e.getValue(), null, null, null,
                    null, "Java 25, synchronous type, virtual threads"));
        }
        Files.writeString(out.resolve("results-jdk25-details.json"), json);
    }

    // ---- 4, 5, 6 ----

    private static void fanOut(Figures figures, boolean quick, int runs) throws Exception {
        int watchers = quick ? 2000 : 10_000;
        double[] inFlight = new double[runs];
        double[] p99 = new double[runs];
        double[] peakThreads = new double[runs];
        for (int r = 0; r < runs; r++) {
            Scenarios.FanOut result = Scenarios.fanOut(watchers);
            log("fan-out run " + (r + 1) + ": " + result);
            inFlight[r] = result.backendFetchesInFlight();
            p99[r] = result.allDeliveredP99Ms();
            peakThreads[r] = result.peakThreads();
        }
        figures.add("fanout_backend_fetches_in_flight", "fetches", inFlight, null, null, "1",
                LongSamples.median(inFlight) <= 1, watchers + " watchers of one key");
        figures.add("fanout_all_delivered_p99_ms", "ms", p99, null, null, "<= 100", LongSamples.median(p99) <= 100,
                watchers + " watchers; includes the 1-5 ms backend latency");
        figures.add("fanout_peak_threads", "threads", peakThreads, null, null, null, null,
                "JVM threads at the peak of delivery");
    }

    private static void shutdown(Figures figures, boolean quick, int runs) throws Exception {
        int entries = quick ? 300 : 1000;
        double[] ms = new double[runs];
        for (int r = 0; r < runs; r++) {
            ms[r] = Scenarios.closeWithPendingMs(entries);
            log("shutdown run " + (r + 1) + ": close() took " + ms[r] + " ms with " + entries + " pending");
        }
        figures.add("close_with_1000_pending_ms", "ms", ms, null, null, "<= 1000", LongSamples.median(ms) <= 1000,
                entries + " entries with synchronous blocking fetches pending");
    }

    private static void coalescing(Figures figures, boolean quick, int runs) throws Exception {
        int callers = quick ? 200 : 1000;
        double[] ours = new double[runs];
        double[] peer = new double[runs];
        for (int r = 0; r < runs; r++) {
            long[] calls = Scenarios.coldGets(callers);
            ours[r] = calls[0];
            peer[r] = calls[1];
        }
        figures.add("cold_gets_backend_fetches", "fetches", ours, LongSamples.median(peer), null, "1",
                LongSamples.median(ours) <= 1, callers + " concurrent cold gets; peer: Caffeine AsyncLoadingCache");
    }

    // ---- startup ----

    private static void startup(Figures figures, boolean quick) throws Exception {
        Path binary = EtcdCluster.findBinary();
        if (binary == null) {
            log("startup: no etcd binary on the PATH or at /usr/bin/etcd (apt-get install etcd-server); skipped");
            return;
        }
        int rounds = quick ? 1 : 9;
        Map<StartupScenario.Variant, List<StartupScenario.Start>> starts = StartupScenario.run(binary, rounds);
        List<StartupScenario.Start> plain = starts.get(StartupScenario.Variant.PLAIN);
        List<StartupScenario.Start> starter = starts.get(StartupScenario.Variant.STARTER);
        List<StartupScenario.Start> imported = starts.get(StartupScenario.Variant.STARTER_IMPORT);
        List<StartupScenario.Start> refused = starts.get(StartupScenario.Variant.STARTER_IMPORT_REFUSED);
        String app = "web + actuator + Prometheus; fresh JVM per start (Java " + Runtime.version().feature()
                + "), ready = JVM uptime at ApplicationReadyEvent; paired by round, median of " + rounds;
        figures.add("startup_plain_ready_ms", "ms", field(plain, StartupScenario.Start::readyMs), null, null, null,
                null, "the application without watchcache; " + app);
        double[] overhead = difference(imported, plain, StartupScenario.Start::readyMs);
        figures.add("starter_startup_overhead_ms", "ms", overhead, null, null, "<= 150",
                LongSamples.median(overhead) <= 150, "starter, cache-etcd, one etcd type and an optional: import of "
                        + StartupScenario.IMPORTED_KEYS + " keys from a local etcd, against the plain application");
        double[] bare = difference(starter, plain, StartupScenario.Start::readyMs);
        figures.add("starter_without_import_startup_overhead_ms", "ms", bare, null, null, null, null,
                "starter, cache-etcd and one etcd type, no import, against the plain application");
        double[] rss = difference(imported, plain, StartupScenario.Start::rssMib);
        figures.add("starter_rss_overhead_mib", "MiB", rss, null, null, "<= 10", LongSamples.median(rss) <= 10,
                "resident memory 3 s after ready, same pair");
        figures.add("starter_threads_overhead", "threads", difference(imported, plain, StartupScenario.Start::threads),
                null, null, null, null, "live threads 3 s after ready, same pair");
        double[] importMs = difference(imported, starter, StartupScenario.Start::readyMs);
        figures.add("etcd_import_startup_ms", "ms", importMs, null, null, "<= 100", LongSamples.median(importMs) <= 100,
                "one import of " + StartupScenario.IMPORTED_KEYS + " keys, against the same application without it");
        double[] refusedMs = difference(refused, starter, StartupScenario.Start::readyMs);
        figures.add("etcd_optional_import_refused_startup_ms", "ms", refusedMs, null, null, "<= 200",
                LongSamples.median(refusedMs) <= 200, "an optional: import whose etcd port is closed, against the "
                        + "same application without it");
    }

    private static double[] field(List<StartupScenario.Start> starts,
            ToDoubleFunction<StartupScenario.Start> value) {
        return starts.stream().mapToDouble(value).toArray();
    }

    private static double[] difference(List<StartupScenario.Start> a, List<StartupScenario.Start> b,
            ToDoubleFunction<StartupScenario.Start> value) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = value.applyAsDouble(a.get(i)) - value.applyAsDouble(b.get(i));
        }
        return d;
    }

    // ---- 7. etcd ----

    private static void etcd(Figures figures, boolean quick, Set<String> only, int @Nullable [] fleetSizes)
            throws Exception {
        Path binary = EtcdCluster.findBinary();
        if (binary == null) {
            log("etcd: no etcd binary on the PATH or at /usr/bin/etcd (apt-get install etcd-server); skipped");
            return;
        }
        Predicate<String> runs = part -> only == null || only.contains("etcd") || only.contains("etcd-" + part);
        try (EtcdCluster single = EtcdCluster.start(binary, 1)) {
            if (runs.test("leak")) {
                etcdLeak(figures, single);
            }
            if (runs.test("soak")) {
                etcdSoak(figures, quick, single);
            }
            if (runs.test("config")) {
                etcdConfig(figures, quick, single);
            }
            if (runs.test("prefix")) {
                etcdPrefixBurst(figures, quick, single);
            }
            if (runs.test("consistent")) {
                etcdConsistent(figures, quick, single);
            }
        }
        if (runs.test("contact")) {
            etcdContact(figures, quick, binary);
        }
        if (runs.test("frozen")) {
            etcdFrozen(figures, quick, binary);
        }
        if (runs.test("rolling")) {
            etcdRolling(figures, quick, binary);
        }
        // Minutes even in quick mode: only when asked for by name, or in a full run.
        if (runs.test("fleet") && (!quick || only != null)) {
            etcdFleet(figures, quick, binary, fleetSizes);
        }
    }

    /**
     * Many watched keys on one client: streams, idle cost, heap, threads and put -> listener,
     * with watches sharing streams (100 per stream, the default) and, for comparison, one stream
     * per watch ({@code watches-per-stream: 1}, what 0.1 did) on the same machine.
     */
    private static void etcdFleet(Figures figures, boolean quick, Path binary, int @Nullable [] fleetSizes)
            throws Exception {
        Duration idle = Duration.ofSeconds(quick ? 10 : 60);
        Duration putFor = Duration.ofSeconds(quick ? 5 : 30);
        int[] sizes = fleetSizes != null ? fleetSizes : quick ? new int[] {1_000} : new int[] {1_000, 5_000, 100_000};
        for (int n : sizes) {
            // 100,000 streams of one watch each would measure etcd's limits, not ours: shared only.
            int[] perStreams = n > 5_000 ? new int[] {EtcdTypeOptions.DEFAULT_WATCHES_PER_STREAM}
                    : new int[] {1, EtcdTypeOptions.DEFAULT_WATCHES_PER_STREAM};
            for (int perStream : perStreams) {
                try (EtcdCluster cluster = EtcdCluster.start(binary, 3)) {
                    EtcdScenarios.Fleet fleet = EtcdScenarios.fleet(cluster, n, perStream, idle, 100, putFor);
                    log("etcd fleet " + n + " watches, " + perStream + " per stream: " + fleet);
                    String tag = "_" + n + "_watches" + (perStream == 1 ? "_one_stream_each" : "");
                    String how = n + " watched keys on one client, 3 members, " + perStream
                            + " watch(es) per stream";
                    figures.add(new Figures.Figure("etcd_streams" + tag, "streams", fleet.streams(), fleet.streams(),
                            fleet.streams(), null, null, null, null, how));
                    figures.add(new Figures.Figure("etcd_progress_requests_per_s_idle" + tag, "req/s",
                            fleet.progressRequestsPerS(), fleet.progressRequestsPerS(), fleet.progressRequestsPerS(),
                            null, null, null, null, how + "; Watch messages received by etcd per second while idle"
                            + " for " + idle.toSeconds() + " s"));
                    figures.add(new Figures.Figure("etcd_idle_cpu_core_pct" + tag, "%", fleet.etcdIdleCpuCorePct(),
                            fleet.etcdIdleCpuCorePct(), fleet.etcdIdleCpuCorePct(), null, null, null, null, how
                            + "; the 3 members' CPU while idle, over the same window with no watches"));
                    figures.add(new Figures.Figure("etcd_client_idle_cpu_core_pct" + tag, "%",
                            fleet.clientIdleCpuCorePct(), fleet.clientIdleCpuCorePct(), fleet.clientIdleCpuCorePct(),
                            null, null, null, null, how + "; the client JVM's CPU while idle"));
                    figures.add(new Figures.Figure("etcd_client_heap_bytes_per_watched_key" + tag, "B",
                            fleet.heapBytesPerKey(), fleet.heapBytesPerKey(), fleet.heapBytesPerKey(), null, null,
                            null, null, how + "; heap after GC with the watches minus before, per key"));
                    figures.add(new Figures.Figure("etcd_threads" + tag, "threads", fleet.threads(), fleet.threads(),
                            fleet.threads(), null, null, null, null, how + "; JVM threads with the watches running"));
                    figures.add(new Figures.Figure("etcd_client_threads_after_close" + tag, "threads",
                            fleet.threadsAfterClose(), fleet.threadsAfterClose(), fleet.threadsAfterClose(), null, null,
                            "0", fleet.threadsAfterClose() <= 0, how + "; JVM threads left over the count before the"
                            + " client and cache were made, within 10 s of closing both"));
                    figures.add(new Figures.Figure("etcd_put_to_listener_p99_ms" + tag, "ms",
                            fleet.putToListenerP99Ms(), fleet.putToListenerP50Ms(), fleet.putToListenerP99Ms(), null,
                            null, null, null, how + "; " + fleet.puts() + " puts at 100/s to random watched keys,"
                            + " put -> listener (min column: p50)"));
                    if (n == 100_000) {
                        figures.add(new Figures.Figure("etcd_100k_watches_streams", "streams", fleet.streams(),
                                fleet.streams(), fleet.streams(), null, null, "<= 1000", fleet.streams() <= 1000,
                                how));
                        figures.add(new Figures.Figure("etcd_100k_watches_heap_bytes_per_key", "B",
                                fleet.heapBytesPerKey(), fleet.heapBytesPerKey(), fleet.heapBytesPerKey(), null, null,
                                "<= 512", fleet.heapBytesPerKey() <= 512, how + "; heap after GC, per key"));
                    }
                }
            }
        }
        try (EtcdCluster cluster = EtcdCluster.start(binary, 3)) {
            EtcdScenarios.VersusRaw raw = EtcdScenarios.versusRawWatches(cluster, 1_000, 100, putFor);
            log("etcd versus raw jetcd watches: " + raw);
            String how = raw.keys() + " keys watched by the cache and by plain jetcd watches in one JVM, 3 members; "
                    + raw.puts() + " puts at 100/s to random keys, put -> listener; cache p50/p99 "
                    + round(raw.cacheP50Ms()) + "/" + round(raw.cacheP99Ms()) + " ms, raw "
                    + round(raw.rawP50Ms()) + "/" + round(raw.rawP99Ms()) + " ms";
            figures.add(new Figures.Figure("etcd_put_to_listener_p50_ratio_vs_raw_watch", "x", raw.p50Ratio(),
                    raw.p50Ratio(), raw.p50Ratio(), raw.rawP50Ms(), raw.p50Ratio(), "<= 1.2", raw.p50Ratio() <= 1.2,
                    how));
            figures.add(new Figures.Figure("etcd_put_to_listener_p99_ratio_vs_raw_watch", "x", raw.p99Ratio(),
                    raw.p99Ratio(), raw.p99Ratio(), raw.rawP99Ms(), raw.p99Ratio(), "<= 1.5", raw.p99Ratio() <= 1.5,
                    how));
        }
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    private static void etcdLeak(Figures figures, EtcdCluster single) throws Exception {
        EtcdScenarios.Leak leak = EtcdScenarios.leak(single.member(0), 1000);
        log("etcd leak: " + leak);
        figures.add(new Figures.Figure("etcd_watch_streams_after_1000_changes", "streams", leak.watchStreams(),
                leak.watchStreams(), leak.watchStreams(), null, null, "<= 5", leak.watchStreams() <= 5,
                "etcd_debugging_mvcc_watch_stream_total after 1,000 changes of one watched key"));
        figures.add(new Figures.Figure("etcd_live_jetcd_watchers_after_1000_changes", "objects",
                leak.liveJetcdWatchers(), leak.liveJetcdWatchers(), leak.liveJetcdWatchers(), null, null, null,
                null, "live WatchImpl$WatcherImpl instances in the JVM after GC"));
        figures.add(new Figures.Figure("etcd_rpcs_per_change", "rpcs", leak.rpcsPerChange(), leak.rpcsPerChange(),
                leak.rpcsPerChange(), null, null, "<= 1.5", leak.rpcsPerChange() <= 1.5,
                "Range + Watch RPCs started on etcd / changes delivered (" + leak.delivered() + ")"));
    }

    private static void etcdSoak(Figures figures, boolean quick, EtcdCluster single) throws Exception {
        Duration soakFor = quick ? Duration.ofSeconds(60) : Duration.ofMinutes(10);
        EtcdScenarios.Soak soak = EtcdScenarios.soak(single.member(0), 150, 50, 20, soakFor,
                Duration.ofSeconds(quick ? 5 : 20));
        log("etcd soak: " + soak);
        figures.add(new Figures.Figure("etcd_soak_heap_growth_mib_per_hour", "MiB/h", soak.heapGrowthMibPerHour(),
                soak.heapGrowthMibPerHour(), soak.heapGrowthMibPerHour(), null, null, "<= 5",
                soak.heapGrowthMibPerHour() <= 5, "200 watches, 20 writes/s of 1 KiB for " + soakFor.toSeconds()
                + " s; heap after GC " + Figures.fmt(soak.firstMib()) + " -> " + Figures.fmt(soak.lastMib())
                + " MiB"));
    }

    private static void etcdConfig(Figures figures, boolean quick, EtcdCluster single) throws Exception {
        EtcdScenarios.ConfigChange change = EtcdScenarios.configChange(single.member(0), 1000, quick ? 30 : 100);
        log("etcd config: " + change);
        figures.add(new Figures.Figure("config_change_to_environment_p99_ms", "ms", change.p99Ms(), change.p50Ms(),
                change.maxMs(), null, null, "<= 200", change.p99Ms() <= 200, "spring.config.import=watchcache-etcd:"
                + " over " + change.keys() + " keys; " + change.changes() + " puts of one key at a time, from the put"
                + " until Environment.getProperty returns the new value (min column: p50, max column: max)"));
    }

    private static void etcdFrozen(Figures figures, boolean quick, Path binary) throws Exception {
        int runs = quick ? 1 : 3;
        Duration freeze = Duration.ofSeconds(quick ? 15 : 60);
        double[] staleness = new double[runs];
        double[] converge = new double[runs];
        double[] recovery = new double[runs];
        for (int r = 0; r < runs; r++) {
            try (EtcdCluster cluster = EtcdCluster.start(binary, 3)) {
                EtcdScenarios.Frozen frozen = EtcdScenarios.frozenMember(cluster, 30, freeze, Duration.ofSeconds(15));
                log("etcd frozen member run " + (r + 1) + ": " + frozen);
                staleness[r] = frozen.maxStalenessS();
                converge[r] = frozen.convergeAfterThawS();
                recovery[r] = frozen.recoveryAfterFullRestartS();
            }
        }
        figures.add("etcd_frozen_member_max_staleness_s", "s", staleness, null, null, "<= 10",
                LongSamples.median(staleness) <= 10, "3 members, a follower SIGSTOPped for " + freeze.toSeconds()
                        + " s; 30 watched keys written every second; the longest any watch lagged, flagged or not");
        figures.add("etcd_frozen_member_converge_after_thaw_s", "s", converge, null, null, null, null,
                "until every watch has the value written at SIGCONT");
        figures.add("etcd_full_restart_recovery_s", "s", recovery, null, null, "<= 3",
                LongSamples.median(recovery) <= 3, "default backoff settings; all 3 members SIGTERMed for 15 s,"
                        + " restarted; from the first write the cluster commits until every watch has it");
    }

    /**
     * An etcd rolling restart, by SIGTERM and by SIGKILL: what users and operators see. A full run
     * adds the SIGTERM restart with {@code failover-grace: 0}, every stream failure reported as
     * before the grace existed, as the same harness's "before".
     */
    private static void etcdRolling(Figures figures, boolean quick, Path binary) throws Exception {
        Duration down = Duration.ofSeconds(quick ? 2 : 5);
        List<String> modes = quick ? List.of("sigterm", "sigkill") : List.of("sigterm", "sigkill", "sigterm_no_grace");
        for (String mode : modes) {
            boolean kill = mode.equals("sigkill");
            Duration grace = mode.endsWith("no_grace") ? Duration.ZERO : EtcdTypeOptions.DEFAULT_FAILOVER_GRACE;
            EtcdRollingScenario.Rolling rolling;
            try (EtcdCluster cluster = EtcdCluster.start(binary, 3)) {
                rolling = EtcdRollingScenario.run(cluster, kill, down, grace);
            }
            log("etcd rolling restart (" + mode + "): " + rolling);
            String tag = mode.equals("sigterm") ? "" : "_" + mode;
            boolean goals = !mode.endsWith("no_grace");
            String how = rolling.watches() + " watches on " + rolling.entries() + " entries (100 keys on a key type,"
                    + " 5 prefixes), 3 members " + (kill ? "SIGKILLed" : "SIGTERMed") + " in turn, each down "
                    + down.toSeconds() + " s, about 20 puts/s throughout, failover grace " + grace.toMillis() + " ms";
            figures.add(new Figures.Figure("etcd_rolling_restart_error_events" + tag, "events",
                    rolling.errorEvents(), rolling.errorEvents(), rolling.errorEvents(), null, null,
                    goals ? "0" : null, goals ? rolling.errorEvents() == 0 : null,
                    how + "; error events delivered to listeners"));
            figures.add(new Figures.Figure("etcd_rolling_restart_warn_lines" + tag, "lines", rolling.warnLines(),
                    rolling.warnLines(), rolling.warnLines(), null, null, goals ? "0" : null,
                    goals ? rolling.warnLines() == 0 : null, "the same run; WARN lines logged by io.watchcache"));
            figures.add(new Figures.Figure("etcd_rolling_restart_max_staleness_s" + tag, "s",
                    round(rolling.maxStalenessS()), round(rolling.maxStalenessS()), round(rolling.maxStalenessS()),
                    null, null, "<= 1", rolling.maxStalenessS() <= 1, "the same run; the longest any key watch"
                    + " showed an older value than the last one etcd committed"));
            figures.add(new Figures.Figure("etcd_rolling_restart_put_to_listener_p99_ms" + tag, "ms",
                    round(rolling.putToListenerP99Ms()), round(rolling.putToListenerP50Ms()),
                    round(rolling.putToListenerP99Ms()), null, null, "<= 50", rolling.putToListenerP99Ms() <= 50,
                    "the same run; from the start of a put to the listener (min column: p50), over the puts"
                    + " etcd answered within " + EtcdRollingScenario.PROMPT_ACK.toMillis() + " ms ("
                    + rolling.slowPuts() + " left out: the client's own retries to a stopped member); etcd's"
                    + " put -> answer p99 over all puts: " + Figures.fmt(rolling.putAckP99Ms()) + " ms"));
            figures.add(new Figures.Figure("etcd_rolling_restart_failovers" + tag, "failovers",
                    rolling.failovers(), rolling.failovers(), rolling.failovers(), null, null, null, null,
                    "the same run; watchcache.etcd.stream.failovers (streams failed over within the grace)"));
        }
    }

    private static void etcdContact(Figures figures, boolean quick, Path binary) throws Exception {
        int runs = quick ? 1 : 3;
        double[] cleared = new double[runs];
        double[] longest = new double[runs];
        for (int r = 0; r < runs; r++) {
            try (EtcdCluster cluster = EtcdCluster.start(binary, 3)) {
                EtcdScenarios.ContactProbe probe = EtcdScenarios.contactProbe(cluster, 30, Duration.ofSeconds(10));
                log("etcd contact probe run " + (r + 1) + ": " + probe);
                cleared[r] = probe.clearedAfterRestartS();
                longest[r] = probe.longestEpisodeS();
            }
        }
        figures.add("etcd_contact_regained_after_restart_s", "s", cleared, null, null, "<= 5",
                LongSamples.median(cleared) <= 5, "30 quiet watched keys on 3 members; the busiest member SIGKILLed"
                        + " for 10 s, restarted, nothing written; until no entry is flagged");
        figures.add("etcd_contact_longest_flag_s", "s", longest, null, null, null, null,
                "the same probe: the longest any entry stayed flagged as lost contact");
    }

    private static void etcdPrefixBurst(Figures figures, boolean quick, EtcdCluster single) throws Exception {
        int keys = quick ? 2_000 : 10_000;
        Duration burst = Duration.ofSeconds(quick ? 3 : 10);
        EtcdScenarios.PrefixBurst result = EtcdScenarios.prefixBurst(single.member(0), keys, 1_000, burst);
        log("etcd prefix burst: " + result);
        figures.add(new Figures.Figure("etcd_prefix_10k_burst_p99_ms", "ms", result.p99Ms(), result.p50Ms(),
                result.maxMs(), null, null, "<= 50", result.p99Ms() <= 50, "a watched prefix of " + keys
                + " keys; 1,000 puts/s for " + burst.toSeconds() + " s; put -> listener (min column: p50, max"
                + " column: max); of which etcd's put -> answer p99: " + Figures.fmt(result.putAckP99Ms())
                + " ms, and etcd's answer -> listener p99: " + Figures.fmt(result.ackToListenerP99Ms()) + " ms"));
        figures.add(new Figures.Figure("etcd_prefix_10k_burst_ack_to_listener_p99_ms", "ms",
                result.ackToListenerP99Ms(), result.ackToListenerP99Ms(), result.ackToListenerP99Ms(), null, null,
                null, null, "the same burst: from etcd's answer to the put (it sends the event then) to the"
                + " listener, the cache's share"));
    }

    /** Consistent reads (issue 28): the cache against a linearizable Range, same JVM, same run. */
    private static void etcdConsistent(Figures figures, boolean quick, EtcdCluster single) throws Exception {
        EtcdConsistentScenario.Figures f = EtcdConsistentScenario.run(single.member(0), quick);
        log("etcd consistent: " + f);
        double p50 = f.p50Ours() / f.p50Range();
        double p99 = f.p99Ours() / f.p99Range();
        double bytes = (double) f.bytesOurs() / f.bytesRange();
        double throughput = f.readsPerSecondOurs() / f.readsPerSecondRange();
        figures.add(new Figures.Figure("etcd_consistent_read_p50_ratio_vs_linearizable_range", "x", p50, p50, p50,
                f.p50Range() / 1e3, p50, "<= 1.2", p50 <= 1.2, "one key, 1 KB value: a consistent TypedCache.get"
                + " (p50 " + Figures.fmt(f.p50Ours() / 1e3) + " us) against a linearizable Range of the key (peer"
                + " column, us), alternated in one JVM"));
        figures.add(new Figures.Figure("etcd_consistent_read_p99_ratio_vs_linearizable_range", "x", p99, p99, p99,
                f.p99Range() / 1e3, p99, "<= 1.5", p99 <= 1.5, "the same reads: p99 " + Figures.fmt(f.p99Ours() / 1e3)
                + " us against the Range's (peer column, us)"));
        figures.add(new Figures.Figure("etcd_consistent_read_bytes_ratio_vs_range_10k_prefix", "x", bytes, bytes,
                bytes, (double) f.bytesRange(), bytes, "<= 0.01", bytes <= 0.01, "protobuf bytes of request and"
                + " answer per consistent read of a 10,000-key prefix whose watch is current (" + f.bytesOurs()
                + " B: a count of one key, for etcd's revision; " + f.bytesSummary() + " B more when the watch is"
                + " behind it: the summary Range) against one Range of it (peer column, B)"));
        figures.add(new Figures.Figure("etcd_consistent_reads_per_s_10k_prefix", "reads/s", f.readsPerSecondOurs(),
                f.readsPerSecondOurs(), f.readsPerSecondOurs(), f.readsPerSecondRange(), throughput, ">= 50x",
                throughput >= 50, "2 threads of consistent reads of the 10,000-key prefix against 2 threads of"
                + " Ranges of it (peer column)"));
        double countRatio = f.readsPerSecondCount() / f.readsPerSecondRange();
        figures.add(new Figures.Figure("etcd_count_reads_per_s_2t", "reads/s", f.readsPerSecondCount(),
                f.readsPerSecondCount(), f.readsPerSecondCount(), f.readsPerSecondRange(), countRatio, null, null,
                "the ceiling of the figure above: 2 threads of the one request a consistent read of the prefix"
                + " sends (a linearizable count of one key), on a bare gRPC stub with no cache, against the same"
                + " Ranges (peer column)"));
        figures.add(new Figures.Figure("etcd_consistent_read_linearizability_violations", "reads",
                f.violations(), f.violations(), f.violations(), null, null, "0", f.violations() == 0, f.checkedReads()
                + " consistent reads by 4 threads while 2 threads write 20 keys, no fault; reads older than a write"
                + " acknowledged before they started (the leader-kill and frozen-follower variants run in"
                + " EtcdConsistentReadTest)"));
    }

    private static Map<String, String> machine(boolean quick) {
        Map<String, String> machine = new LinkedHashMap<>();
        machine.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        machine.put("maxHeap", Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        machine.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        machine.put("mode", quick ? "quick" : "full");
        machine.put("pid", ManagementFactory.getRuntimeMXBean().getName());
        return machine;
    }

    static void log(String message) {
        System.out.println("[bench] " + message);
    }

}
