package io.watchcache.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Says why a {@code @WatchCacheTaskExecutor} bean with a queue is refused, and what to give the cache instead. */
class StarvingCacheExecutorFailureAnalyzer extends AbstractFailureAnalyzer<StarvingCacheExecutorException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, StarvingCacheExecutorException cause) {
        return new FailureAnalysis("The @WatchCacheTaskExecutor bean '" + cause.beanName() + "' cannot run the"
                + " cache: " + cause.why() + ". A blocking query holds its thread until the data changes or"
                + " its timeout passes (watchcache.default-query-timeout, 10m by default), so once every thread"
                + " holds one, the fetches queued behind them wait that long.",
                "Give the cache an executor that starts a thread for every task: a SimpleAsyncTaskExecutor"
                + " without a concurrency limit (virtual threads with setVirtualThreads(true)), or a"
                + " ThreadPoolTaskExecutor with queueCapacity 0 and no practical maximum pool size. Or remove"
                + " @WatchCacheTaskExecutor from bean '" + cause.beanName() + "': the cache then uses its own"
                + " threads.", cause);
    }
}
