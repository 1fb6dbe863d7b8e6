package io.watchcache.spring.boot.autoconfigure;

import java.util.concurrent.Executor;

/**
 * The {@code @WatchCacheTaskExecutor} bean queues work behind a fixed number of threads, where
 * blocking queries would hold every thread for minutes and starve the rest: startup fails with
 * {@link StarvingCacheExecutorFailureAnalyzer}'s explanation.
 */
public class StarvingCacheExecutorException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String beanName;
    private final String why;

    StarvingCacheExecutorException(String beanName, Executor executor, String why) {
        super("The @WatchCacheTaskExecutor bean '" + beanName + "' (" + executor.getClass().getName()
                + ") would starve blocking queries: " + why);
        this.beanName = beanName;
        this.why = why;
    }

    public String beanName() {
        return beanName;
    }

    /** What about the executor starves blocking queries. */
    public String why() {
        return why;
    }
}
