package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.CacheRequest;
import io.watchcache.CacheType;
import io.watchcache.FetchResult;
import io.watchcache.RequestInfo;
import io.watchcache.TypedCache;
import io.watchcache.spring.boot.WatchCacheTaskExecutor;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache runs on the application's own executor when one is marked
 * {@link WatchCacheTaskExecutor}, without switching off Boot's {@code applicationTaskExecutor};
 * one that queues behind a fixed number of threads is refused with an analysis.
 */
class TaskExecutorTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(WatchCacheAutoConfigurationTest.ALL)
            .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class));

    static final List<String> FETCH_THREADS = new CopyOnWriteArrayList<>();

    @Configuration(proxyBeanMethods = false)
    static class Types {
        @Bean
        CacheType<CacheRequest, String> motd() {
            return (options, request) -> {
                FETCH_THREADS.add(Thread.currentThread().getName());
                return FetchResult.of("hello", 1);
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnExecutor {
        @Bean(defaultCandidate = false)
        @WatchCacheTaskExecutor
        SimpleAsyncTaskExecutor cacheExecutor() {
            return new SimpleAsyncTaskExecutor("app-cache-");
        }
    }

    /** The README's snippet, as written: it must start on Java 17, the baseline, as on 21+. */
    @Configuration(proxyBeanMethods = false)
    static class ReadmeExecutor {
        @Bean(defaultCandidate = false)
        @WatchCacheTaskExecutor
        SimpleAsyncTaskExecutor cacheExecutor() {
            SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("cache-");
            if (Runtime.version().feature() >= 21) {
                executor.setVirtualThreads(true);   // before Java 21: a platform thread per task
            }
            return executor;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BoundedExecutor {
        @Bean(defaultCandidate = false)
        @WatchCacheTaskExecutor
        ThreadPoolTaskExecutor cacheExecutor() {
            ThreadPoolTaskExecutor pool = new ThreadPoolTaskExecutor();
            pool.setCorePoolSize(4);
            pool.setMaxPoolSize(4);
            return pool;
        }
    }

    @Test
    void fetchesRunOnTheApplicationsExecutorAndBootKeepsItsOwn() {
        runner.withUserConfiguration(Types.class, OwnExecutor.class).run(context -> {
            assertThat(context).hasNotFailed();
            // Boot's default executor is still there for @Async, MVC and the rest.
            assertThat(context).hasBean("applicationTaskExecutor");
            // An asynchronous read runs its fetch on the cache's executor.
            assertThat(fetchThreads(context)).isNotEmpty().allSatisfy(name -> assertThat(name)
                    .startsWith("app-cache-"));
        });
    }

    @Test
    void theReadmesExecutorSnippetStartsAndRunsTheFetches() {
        runner.withUserConfiguration(Types.class, ReadmeExecutor.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(fetchThreads(context)).isNotEmpty().allSatisfy(name -> assertThat(name)
                    .startsWith("cache-"));
        });
    }

    @Test
    void withoutOneTheCacheKeepsItsOwnThreads() {
        runner.withUserConfiguration(Types.class).run(context -> {
            assertThat(fetchThreads(context)).isNotEmpty().allSatisfy(name -> assertThat(name)
                    .startsWith("watchcache-"));
        });
    }

    @Test
    void aPoolWithAQueueIsRefusedWithAnAnalysisSayingWhy() {
        runner.withUserConfiguration(Types.class, BoundedExecutor.class).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = StrictConfigurationTest.analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).startsWith("The @WatchCacheTaskExecutor bean 'cacheExecutor'"
                    + " cannot run the cache: it is a ThreadPoolTaskExecutor of at most 4 threads with a queue of"
                    + " 2147483647 tasks. A blocking query holds its thread");
            assertThat(analysis.getAction()).contains("queueCapacity 0");
        });
    }

    /** The threads the fetches of one asynchronous read ran on (it must answer "hello"). */
    private static List<String> fetchThreads(ApplicationContext context) throws Exception {
        FETCH_THREADS.clear();
        @SuppressWarnings("unchecked")
        TypedCache<CacheRequest, String> motd = context.getBean("motdTypedCache", TypedCache.class);
        assertThat(motd.getAsync(() -> RequestInfo.of("m")).get().value()).isEqualTo("hello");
        return List.copyOf(FETCH_THREADS);
    }
}
