package io.watchcache.spring.boot;

import org.springframework.beans.factory.annotation.Qualifier;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the {@code TaskExecutor} (any {@code Executor}) the cache runs its fetches and watch
 * loops on, as Spring Boot's {@code @BatchTaskExecutor} does for Spring Batch. Declare it with
 * {@code defaultCandidate = false}, so Boot's own {@code applicationTaskExecutor} stays:
 *
 * <pre>{@code
 * @Bean(defaultCandidate = false)
 * @WatchCacheTaskExecutor
 * SimpleAsyncTaskExecutor cacheExecutor() {
 *     return new SimpleAsyncTaskExecutor("cache-");   // a thread per task, or virtual threads
 * }
 * }</pre>
 *
 * A blocking query holds its thread for up to the query timeout, so the executor must not queue
 * work behind a fixed number of threads: a {@code ThreadPoolTaskExecutor} with a queue, or a
 * throttled {@code SimpleAsyncTaskExecutor}, fails startup with an analysis saying why. Without
 * such a bean the cache keeps its own threads (virtual ones when
 * {@code spring.threads.virtual.enabled=true}).
 */
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface WatchCacheTaskExecutor {
}
