package io.watchcache.spring.boot.autoconfigure;

import io.watchcache.spring.boot.WatchCacheTaskExecutor;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The application's {@link WatchCacheTaskExecutor} bean, if it declares one, checked: an
 * executor that queues work behind a fixed number of threads would starve blocking queries.
 */
final class CacheExecutors {

    private CacheExecutors() {
    }

    /** The executor marked {@link WatchCacheTaskExecutor}, or null for the cache's own threads. */
    static @Nullable Executor applicationExecutor(ConfigurableListableBeanFactory beanFactory) {
        for (String name : beanFactory.getBeanNamesForType(Executor.class, true, false)) {
            if (beanFactory.findAnnotationOnBean(name, WatchCacheTaskExecutor.class) != null) {
                Executor executor = beanFactory.getBean(name, Executor.class);
                String starves = starves(executor);
                if (starves != null) {
                    throw new StarvingCacheExecutorException(name, executor, starves);
                }
                return executor;
            }
        }
        return null;
    }

    /** Why {@code executor} would starve blocking queries, or null when it would not. */
    static @Nullable String starves(Executor executor) {
        if (executor instanceof ThreadPoolTaskExecutor pool) {
            ThreadPoolExecutor threads = pool.getThreadPoolExecutor();
            return queues(threads) ? "it is a ThreadPoolTaskExecutor of at most " + threads.getMaximumPoolSize()
                    + " threads with a queue of " + pool.getQueueCapacity() + " tasks" : null;
        }
        if (executor instanceof ThreadPoolExecutor threads) {
            return queues(threads) ? "it is a ThreadPoolExecutor of at most " + threads.getMaximumPoolSize()
                    + " threads with a queue" : null;
        }
        if (executor instanceof SimpleAsyncTaskExecutor simple && simple.isThrottleActive()) {
            return "it is a SimpleAsyncTaskExecutor limited to " + simple.getConcurrencyLimit()
                    + " concurrent tasks, and a task over the limit waits";
        }
        return null;
    }

    private static boolean queues(ThreadPoolExecutor threads) {
        return !(threads.getQueue() instanceof SynchronousQueue);
    }
}
