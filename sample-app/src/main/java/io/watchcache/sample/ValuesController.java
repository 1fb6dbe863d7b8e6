package io.watchcache.sample;

import io.watchcache.CacheRequest;
import io.watchcache.FetchFailedException;
import io.watchcache.LiveValue;
import io.watchcache.Result;
import io.watchcache.TypedCache;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reads through the cache the way a blocking-query client reads a source:
 *
 * <ul>
 *   <li>{@code GET /values/{key}}: the value now, its index in the {@code X-Watchcache-Index} header;</li>
 *   <li>{@code GET /values/{key}?index=N&wait=30s}: waits until the index passes N (or the wait
 *       ends, then answers with the current value). {@code wait} without a unit is seconds, as in
 *       Consul; it needs {@code index};</li>
 *   <li>{@code GET /values/{key}?consistent}: a consistent read, reflecting every write the
 *       backend acknowledged before it (answered by the cache once its entry has caught up; the
 *       body says {@code "consistent": true}). It cannot be combined with {@code index};</li>
 *   <li>{@code PUT /values/{key}} (a {@code text/plain} body) and {@code DELETE /values/{key}}: write through
 *       the backend;</li>
 *   <li>{@code GET /flags/new-ui}: the feature flag from a {@code LiveValue}.</li>
 * </ul>
 *
 * A waiting request holds no thread: the controller returns the cache's future. Every error is
 * an RFC 9457 {@code application/problem+json} body.
 */
@RestController
public class ValuesController {

    static final String INDEX_HEADER = "X-Watchcache-Index";
    static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);
    /** Longest key, in characters; etcd's own limit is far above what a URL can carry. */
    static final int MAX_KEY_LENGTH = 4096;

    private final TypedCache<CacheRequest, Optional<String>> values;
    private final LiveValue<Optional<String>> newUiFlag;
    private final SampleBackend backend;
    private final ChangeLog changes;

    /** {@code values} is whichever {@code CacheType} bean of that type the active profile declares. */
    public ValuesController(TypedCache<CacheRequest, Optional<String>> values, LiveValue<Optional<String>> newUiFlag,
                            SampleBackend backend, ChangeLog changes) {
        this.values = values;
        this.newUiFlag = newUiFlag;
        this.backend = backend;
        this.changes = changes;
    }

    /** The JSON body of a read. */
    public record ValueView(String key, String value, boolean exists, long index, boolean hit, boolean consistent) {
    }

    @GetMapping("/values/{*key}")
    public CompletableFuture<ResponseEntity<ValueView>> get(
            @PathVariable("key") String path,
            @RequestParam(name = "index", required = false) String index,
            @RequestParam(name = "wait", required = false) String wait,
            @RequestParam(name = "consistent", required = false) String consistent) {
        String key = key(path);
        long minIndex = parseIndex(index);
        Duration timeout = parseWait(wait, index != null);
        boolean consistentRead = consistent != null && !"false".equalsIgnoreCase(consistent.trim());
        if (consistentRead && index != null) {
            throw new BadRequest("consistent and index do not go together: a consistent read already waits for"
                    + " every write acknowledged before it; drop index (and wait)");
        }
        return values.getAsync(new ValueRequest(key, minIndex, timeout, consistentRead))
                .thenApply(result -> view(key, result));
    }

    @PutMapping("/values/{*key}")
    public ResponseEntity<Void> put(@PathVariable("key") String path,
                                    @RequestBody(required = false) String value) throws Exception {
        if (value == null) {
            throw new BadRequest("a PUT stores its body as the value, and the body is empty;"
                    + " send the value as a text/plain body (an empty value: DELETE the key instead)");
        }
        backend.put(key(path), value);
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/values/{*key}")
    public ResponseEntity<Void> delete(@PathVariable("key") String path) throws Exception {
        backend.delete(key(path));
        return ResponseEntity.noContent().build();
    }

    /** The feature flag, from the live value: no lookup, no wait once it has its first value. */
    @GetMapping("/flags/new-ui")
    public Map<String, Object> newUiFlag() {
        return Map.of("enabled", newUiFlag.get().map("on"::equals).orElse(false), "index", newUiFlag.index());
    }

    /** The last changes the watches saw. */
    @GetMapping("/events")
    public List<ChangeLog.Change> events() {
        return changes.recent();
    }

    private static ResponseEntity<ValueView> view(String key, Result<Optional<String>> result) {
        Optional<String> value = result.value() == null ? Optional.empty() : result.value();
        long index = result.meta().index();
        return ResponseEntity.ok().header(INDEX_HEADER, Long.toString(index))
                .body(new ValueView(key, value.orElse(null), value.isPresent(), index, result.meta().hit(),
                        result.meta().consistent()));
    }

    private static String key(String path) {
        String key = path.startsWith("/") ? path.substring(1) : path;
        if (key.isBlank()) {
            throw new BadRequest("a key is required: GET /values/{key}");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new BadRequest("a key may have at most " + MAX_KEY_LENGTH + " characters, this one has "
                    + key.length());
        }
        return key;
    }

    private static long parseIndex(String index) {
        if (index == null) {
            return 0;
        }
        try {
            long value = Long.parseLong(index.trim());
            if (value < 0) {
                throw new BadRequest("index must be a non-negative integer, got '" + index + "'");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new BadRequest("index must be a non-negative integer, got '" + index + "'");
        }
    }

    /**
     * The wait of a blocking read: {@code 30s}, {@code 500ms}, {@code 2m}, or a bare number of
     * seconds as Consul reads it ({@code wait=3} is 3 s); 5 min without one. It needs an index:
     * without one the read answers at once, and a silently ignored wait would mislead.
     */
    private static Duration parseWait(String wait, boolean indexGiven) {
        if (wait == null) {
            return indexGiven ? DEFAULT_WAIT : null;
        }
        if (!indexGiven) {
            throw new BadRequest("wait applies to a blocking read: give the index to wait past too,"
                    + " e.g. ?index=42&wait=30s (the index is the X-Watchcache-Index of your last read)");
        }
        Duration parsed;
        String text = wait.trim();
        try {
            parsed = text.chars().allMatch(Character::isDigit) && !text.isEmpty()
                    ? Duration.ofSeconds(Long.parseLong(text)) : DurationStyle.detectAndParse(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new BadRequest("wait must be a duration such as 30s, 500ms or 2m (a bare number is seconds), got '"
                    + wait + "'");
        }
        if (parsed.isNegative() || parsed.isZero() || parsed.compareTo(MAX_WAIT) > 0) {
            throw new BadRequest("wait must be more than 0 and at most " + MAX_WAIT.toMinutes() + "m, got '" + wait
                    + "'");
        }
        return parsed;
    }

    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    @ExceptionHandler(BadRequest.class)
    ProblemDetail badRequest(BadRequest e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler({FetchFailedException.class, CompletionException.class})
    ProblemDetail sourceFailed(RuntimeException e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (!(cause instanceof FetchFailedException failed)) {
            throw e;
        }
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "the source could not be read: " + failed.getCause());
        problem.setProperty("index", failed.meta().index());
        return problem;
    }
}
