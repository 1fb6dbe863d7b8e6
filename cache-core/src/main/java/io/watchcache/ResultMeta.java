package io.watchcache;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;

/**
 * What the cache knows about an answer: whether the first look satisfied it ({@link #hit()}),
 * how old the value is ({@link #age()}), the entry's index ({@link #index()}), and whether it
 * answers a consistent read ({@link #consistent()}).
 *
 * <p>A value class with a record's shape: the same constructor and accessors, equal when all
 * four read the same, and a record's {@code toString} (which names {@code consistent} only when
 * it is true). It is not a record so that the cache can hand out one meta per stored value whose
 * age is read when asked ({@link #aging}), which keeps a hit from reading a clock or allocating.
 * Tools that read JavaBean properties rather than record components (JSON mappers, template
 * languages) see the same: {@link #isHit()}, {@link #getAge()}, {@link #getIndex()},
 * {@link #isConsistent()}.
 */
public final class ResultMeta {

    private final boolean hit;
    private final long index;
    /** A fixed age, or null when the age is counted from {@link #sinceNanos} on {@link #ticker}. */
    private final @Nullable Duration age;
    private final @Nullable Ticker ticker;
    private final long sinceNanos;
    /** The answer of a consistent read ({@link RequestInfo#consistent()}). */
    private final boolean consistent;

    /**
     * @param hit   the first look at the cache satisfied the request
     * @param age   for refreshing types, zero while the background query is healthy, else the time
     *              since contact was lost; for other types, the time since the value was fetched
     * @param index the entry's index
     */
    public ResultMeta(boolean hit, Duration age, long index) {
        this(hit, Objects.requireNonNull(age, "age"), index, null, 0, false);
    }

    private ResultMeta(boolean hit, @Nullable Duration age, long index, @Nullable Ticker ticker, long sinceNanos,
                       boolean consistent) {
        this.hit = hit;
        this.age = age;
        this.index = index;
        this.ticker = ticker;
        this.sinceNanos = sinceNanos;
        this.consistent = consistent;
    }

    /**
     * A meta whose age is the time since {@code sinceNanos} on {@code ticker}, read each time
     * {@link #age()} is called (never negative): exact whenever it is read, and free until then.
     */
    public static ResultMeta aging(boolean hit, long sinceNanos, Ticker ticker, long index) {
        return new ResultMeta(hit, null, index, Objects.requireNonNull(ticker, "ticker"), sinceNanos, false);
    }

    /**
     * This meta, said of the answer to a consistent read: the same hit, age (still read when
     * asked) and index, and {@link #consistent()} true.
     */
    public ResultMeta asConsistent() {
        return consistent ? this : new ResultMeta(hit, age, index, ticker, sinceNanos, true);
    }

    /**
     * The answer of a consistent read: it reflects every write the source acknowledged before
     * the read started ({@link RequestInfo#consistent()}).
     */
    public boolean consistent() {
        return consistent;
    }

    /** {@link #consistent()}, as a JavaBean property. */
    public boolean isConsistent() {
        return consistent;
    }

    /** The first look at the cache satisfied the request. */
    public boolean hit() {
        return hit;
    }

    /**
     * For refreshing types, zero while the background query is healthy, else the time since
     * contact was lost; for other types, the time since the value was fetched. Read on the cache's
     * precise ticker when called.
     */
    public Duration age() {
        return age != null ? age : Duration.ofNanos(Math.max(0, Objects.requireNonNull(ticker).read() - sinceNanos));
    }

    /** The entry's index. */
    public long index() {
        return index;
    }

    /** {@link #hit()}, as a JavaBean property. */
    public boolean isHit() {
        return hit;
    }

    /** {@link #age()}, as a JavaBean property. */
    public Duration getAge() {
        return age();
    }

    /** {@link #index()}, as a JavaBean property. */
    public long getIndex() {
        return index;
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof ResultMeta other && hit == other.hit && index == other.index
                && consistent == other.consistent && age().equals(other.age());
    }

    @Override
    public int hashCode() {
        return Objects.hash(hit, age(), index, consistent);
    }

    @Override
    public String toString() {
        return "ResultMeta[hit=" + hit + ", age=" + age() + ", index=" + index
                + (consistent ? ", consistent=true" : "") + "]";
    }
}
