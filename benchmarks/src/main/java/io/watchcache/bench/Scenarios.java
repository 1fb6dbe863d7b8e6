package io.watchcache.bench;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.watchcache.AsyncCacheType;
import io.watchcache.CacheOptions;
import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchOptions;
import io.watchcache.FetchResult;
import io.watchcache.RegisterOptions;
import io.watchcache.RequestInfo;
import io.watchcache.Subscription;
import io.watchcache.TypedCache;
import io.watchcache.WatchCache;
import io.watchcache.testing.CallbackType;
import io.watchcache.testing.VersionedStore;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/** Scenarios 2 to 6: each a method that runs once and returns its measurements. */
final class Scenarios {

    static final Duration MIN_LATENCY = Duration.ofMillis(1);
    static final Duration MAX_LATENCY = Duration.ofMillis(5);

    private Scenarios() {
    }

    /**
     * The store as a blocking, refreshing asynchronous type whose value is the key's whole version
     * (index and write time, which the scenarios measure).
     */
    private static CacheType<CacheRequest, VersionedStore.Versioned> versions(VersionedStore store) {
        return store.asyncType(RegisterOptions.blockingRefresh(), v -> v);
    }

    /** The same as a synchronous type: each pending query parks a thread. */
    private static CacheType<CacheRequest, VersionedStore.Versioned> syncVersions(VersionedStore store) {
        return store.syncType(RegisterOptions.blockingRefresh(), v -> v);
    }

    private static CacheRequest request(String key) {
        RequestInfo info = RequestInfo.of(key);
        return () -> info;
    }

    // ---- 2. freshness per backend call ----

    record Freshness(double stalenessP50Ms, double stalenessP99Ms, long backendCalls, long writes, long unseen,
                     long reads) {
    }

    interface Reader {
        /** Reads {@code key} and returns the index of the version seen. */
        long read(int key) throws Exception;
    }

    /**
     * 1,000 keys, each written about once a second at random, read in a tight loop by one
     * reader for {@code duration}. Staleness: from a write to the first read that returns it
     * (or anything newer).
     */
    static Freshness freshness(boolean ours, int keyCount, Duration duration) throws Exception {
        try (VersionedStore backend = new VersionedStore(MIN_LATENCY, MAX_LATENCY, true)) {
            String[] keys = new String[keyCount];
            CacheRequest[] requests = new CacheRequest[keyCount];
            for (int i = 0; i < keyCount; i++) {
                keys[i] = "key-" + i;
                requests[i] = request(keys[i]);
                backend.preload(keys[i]);
            }
            WatchCache cache = null;
            LoadingCache<String, VersionedStore.Versioned> caffeine = null;
            Reader reader;
            if (ours) {
                cache = new WatchCache(CacheOptions.defaults());
                TypedCache<CacheRequest, VersionedStore.Versioned> sim =
                        cache.register("sim", versions(backend));
                reader = i -> sim.get(requests[i]).meta().index();
            } else {
                AsyncLoadingCache<String, VersionedStore.Versioned> async = Caffeine.newBuilder()
                        .refreshAfterWrite(Duration.ofSeconds(1))
                        .buildAsync((key, executor) -> backend.read(key, 0, Duration.ZERO));
                caffeine = async.synchronous();
                LoadingCache<String, VersionedStore.Versioned> c = caffeine;
                reader = i -> c.get(keys[i]).index();
            }
            // Warm every key so that both sides start from a full cache.
            for (int i = 0; i < keyCount; i++) {
                reader.read(i);
            }
            backend.calls.reset();
            LongSamples staleness = new LongSamples();
            AtomicBoolean readersRun = new AtomicBoolean(true);
            long[] reads = new long[1];
            Thread readerThread = new Thread(() -> {
                long n = 0;
                try {
                    while (readersRun.get()) {
                        for (int i = 0; i < keyCount; i++) {
                            backend.observe(keys[i], reader.read(i), staleness::add);
                            n++;
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                reads[0] = n;
            }, "reader");
            readerThread.start();
            // The writer: keyCount writes a second in 10 ms batches, random keys.
            ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
            long[] writes = new long[1];
            int perBatch = Math.max(1, keyCount / 100);
            writer.scheduleAtFixedRate(() -> {
                for (int i = 0; i < perBatch; i++) {
                    backend.write(keys[ThreadLocalRandom.current().nextInt(keyCount)]);
                    writes[0]++;
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
            Thread.sleep(duration.toMillis());
            writer.shutdown();
            writer.awaitTermination(5, TimeUnit.SECONDS);
            long calls = backend.calls.sum();
            // Let the readers see the last writes (a refresh takes up to ~1 s for the peer).
            Thread.sleep(2500);
            readersRun.set(false);
            readerThread.join();
            if (cache != null) {
                cache.close();
            }
            return new Freshness(staleness.percentile(50) / 1e6, staleness.percentile(99) / 1e6, calls, writes[0],
                    backend.unseen(), reads[0]);
        }
    }

    // ---- 3. watch scale ----

    record WatchScale(double liveThreads, double retainedBytesPerWatch, double updateToListenerP99Ms, long events) {
    }

    /** How the watch-scale source answers: the cache's callback, a stage, or on a parked thread. */
    enum Form { CALLBACK, STAGE, SYNC }

    static WatchScale watchScale(int watches, Duration duration, Form form) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (VersionedStore backend = new VersionedStore(MIN_LATENCY, MAX_LATENCY, false)) {
            String[] keys = new String[watches];
            CacheRequest[] requests = new CacheRequest[watches];
            for (int i = 0; i < watches; i++) {
                keys[i] = "key-" + i;
                requests[i] = request(keys[i]);
                backend.preload(keys[i]);
            }
            WatchCache cache = new WatchCache(CacheOptions.defaults());
            TypedCache<CacheRequest, VersionedStore.Versioned> sim = cache.register("sim", switch (form) {
                case CALLBACK -> backend.callbackType(RegisterOptions.blockingRefresh(), v -> v);
                case STAGE -> versions(backend);
                case SYNC -> syncVersions(backend);
            });
            LongSamples latency = new LongSamples();
            CountDownLatch initial = new CountDownLatch(watches);
            AtomicInteger events = new AtomicInteger();
            long before = usedHeapAfterGc(memory);
            List<Subscription> subscriptions = new ArrayList<>(watches);
            for (int i = 0; i < watches; i++) {
                subscriptions.add(sim.watch(requests[i], keys[i], event -> {
                    VersionedStore.Versioned v = event.value();
                    if (v != null && v.writtenAtNanos() > 0) {
                        latency.add(System.nanoTime() - v.writtenAtNanos());
                        events.incrementAndGet();
                    } else {
                        initial.countDown();
                    }
                }));
            }
            if (!initial.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("initial values not delivered: " + initial.getCount() + " left");
            }
            Thread.sleep(500);
            long after = usedHeapAfterGc(memory);
            int peakThreads = threads.getThreadCount();
            ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
            writer.scheduleAtFixedRate(() -> {
                for (int i = 0; i < 10; i++) {
                    backend.write(keys[ThreadLocalRandom.current().nextInt(watches)]);
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(250);
                peakThreads = Math.max(peakThreads, threads.getThreadCount());
            }
            writer.shutdown();
            writer.awaitTermination(5, TimeUnit.SECONDS);
            Thread.sleep(500);
            subscriptions.forEach(Subscription::cancel);
            cache.close();
            return new WatchScale(peakThreads, (after - before) / (double) watches, latency.percentile(99) / 1e6,
                    events.get());
        }
    }

    /**
     * The core's heap per watched entry, without the source's: {@code entries} keys watched on a
     * refreshing blocking type whose every wait is held by nothing of the source's (so the source
     * holds nothing per entry), the requests made before the baseline (they are the
     * application's). With {@code callback} the type answers the cache's callback and its waits
     * are dropped, as a stream's type that keeps only what it must answer; without it, every wait
     * is one shared stage that never completes. What is left is the entry, its watch and what the
     * cache keeps for the fetch in flight (with a stage: its completion and the future it makes).
     */
    static double coreHeapBytesPerWatchedEntry(int entries, boolean callback) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        CompletableFuture<FetchResult<String>> never = new CompletableFuture<>();
        CacheRequest[] requests = new CacheRequest[entries];
        for (int i = 0; i < entries; i++) {
            requests[i] = request("key-" + i);
        }
        Runnable nothingToCancel = () -> { };
        FetchResult<String> firstValue = FetchResult.of("v", 1);
        CompletableFuture<FetchResult<String>> first = CompletableFuture.completedFuture(firstValue);
        AsyncCacheType<CacheRequest, String> source = callback ? new CallbackType<>(RegisterOptions.blockingRefresh()) {
            @Override
            public Runnable fetchAsync(FetchOptions<String> options, CacheRequest r,
                                       BiConsumer<? super FetchResult<String>, ? super Throwable> done) {
                if (options.minIndex() < 1) {
                    done.accept(firstValue, null);
                }
                return nothingToCancel;
            }
        } : new AsyncCacheType<>() {
            @Override
            public CompletionStage<FetchResult<String>> fetchAsync(FetchOptions<String> options, CacheRequest r) {
                return options.minIndex() >= 1 ? never : first;
            }

            @Override
            public RegisterOptions registerOptions() {
                return RegisterOptions.blockingRefresh();
            }
        };
        try (WatchCache cache = new WatchCache(CacheOptions.defaults())) {
            TypedCache<CacheRequest, String> type = cache.register("heap", source);
            CountDownLatch delivered = new CountDownLatch(entries);
            List<Subscription> subscriptions = new ArrayList<>(entries);
            long before = usedHeapAfterGc(memory);
            for (int i = 0; i < entries; i++) {
                subscriptions.add(type.watch(requests[i], "w", event -> delivered.countDown()));
            }
            if (!delivered.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("first values not delivered: " + delivered.getCount() + " left");
            }
            Thread.sleep(500);
            long after = usedHeapAfterGc(memory);
            subscriptions.forEach(Subscription::cancel);
            return (after - before) / (double) entries;
        }
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    // ---- 4. fan-out ----

    record FanOut(double backendFetchesInFlight, double allDeliveredP99Ms, double peakThreads) {
    }

    static FanOut fanOut(int watchers) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (VersionedStore backend = new VersionedStore(MIN_LATENCY, MAX_LATENCY, false);
             WatchCache cache = new WatchCache(CacheOptions.defaults())) {
            backend.preload("hot");
            TypedCache<CacheRequest, VersionedStore.Versioned> sim = cache.register("sim", versions(backend));
            CacheRequest request = request("hot");
            CountDownLatch initial = new CountDownLatch(watchers);
            CountDownLatch delivered = new CountDownLatch(watchers);
            LongSamples latency = new LongSamples();
            for (int i = 0; i < watchers; i++) {
                sim.watch(request, "w" + i, event -> {
                    VersionedStore.Versioned v = event.value();
                    if (v != null && v.writtenAtNanos() > 0) {
                        latency.add(System.nanoTime() - v.writtenAtNanos());
                        delivered.countDown();
                    } else {
                        initial.countDown();
                    }
                });
            }
            if (!initial.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("initial values not delivered");
            }
            Thread.sleep(300);
            backend.resetMaxInFlight("hot");
            AtomicBoolean sampling = new AtomicBoolean(true);
            int[] peak = {threads.getThreadCount()};
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    peak[0] = Math.max(peak[0], threads.getThreadCount());
                    Thread.onSpinWait();
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.start();
            backend.write("hot");
            if (!delivered.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("update not delivered to " + delivered.getCount() + " watchers");
            }
            Thread.sleep(100);
            sampling.set(false);
            sampler.join();
            return new FanOut(backend.maxInFlight("hot"), latency.percentile(99) / 1e6, peak[0]);
        }
    }

    // ---- 5. shutdown ----

    static double closeWithPendingMs(int entries) throws Exception {
        try (VersionedStore backend = new VersionedStore(MIN_LATENCY, MAX_LATENCY, false)) {
            WatchCache cache = new WatchCache(CacheOptions.defaults());
            TypedCache<CacheRequest, VersionedStore.Versioned> sim = cache.register("sim", syncVersions(backend));
            for (int i = 0; i < entries; i++) {
                backend.preload("key-" + i);
            }
            List<CompletableFuture<?>> gets = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                gets.add(sim.getAsync(request("key-" + i)));
            }
            CompletableFuture.allOf(gets.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (backend.inFlight() < entries && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long start = System.nanoTime();
            cache.close();
            return (System.nanoTime() - start) / 1e6;
        }
    }

    // ---- 6. coalescing ----

    /** Concurrent cold reads of one key; returns the backend calls {ours, Caffeine's}. */
    static long[] coldGets(int callers) throws Exception {
        long[] calls = new long[2];
        for (int side = 0; side < 2; side++) {
            try (VersionedStore backend = new VersionedStore(MIN_LATENCY, MAX_LATENCY, false)) {
                backend.preload("cold");
                WatchCache cache = new WatchCache(CacheOptions.defaults());
                // Not refreshing: a refresh would start the next blocking query on its own, and
                // this figure counts only the fetches the callers caused.
                TypedCache<CacheRequest, VersionedStore.Versioned> sim = cache.register("sim", versions(backend),
                        RegisterOptions.builder().supportsBlocking(true).refresh(false).build());
                AsyncLoadingCache<String, VersionedStore.Versioned> caffeine = Caffeine.newBuilder()
                        .buildAsync((key, executor) -> backend.read(key, 0, Duration.ZERO));
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                CacheRequest request = request("cold");
                boolean ours = side == 0;
                for (int i = 0; i < callers; i++) {
                    Thread t = new Thread(() -> {
                        try {
                            go.await();
                            if (ours) {
                                sim.get(request);
                            } else {
                                caffeine.get("cold").join();
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    t.start();
                    threads.add(t);
                }
                go.countDown();
                for (Thread t : threads) {
                    t.join();
                }
                calls[side] = backend.calls.sum();
                cache.close();
            }
        }
        return calls;
    }
}
