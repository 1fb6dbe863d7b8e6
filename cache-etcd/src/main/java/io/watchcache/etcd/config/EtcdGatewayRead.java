package io.watchcache.etcd.config;

import io.watchcache.etcd.autoconfigure.EtcdConnectionDetails;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.json.BasicJsonParser;
import org.springframework.boot.ssl.SslBundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.HttpsURLConnection;

/**
 * An import's read at startup through etcd's JSON gateway ({@code POST /v3/kv/range}, and
 * {@code /v3/auth/authenticate} for a user) with the JDK's HTTP client. A gRPC read would load
 * gRPC, Netty and protobuf first: some 2,000 classes, most of what an import costs at startup on
 * a small machine. The read is linearizable, as the gRPC one is. The import's watch runs over
 * gRPC afterwards, as before.
 *
 * <p>It serves plain {@code http} endpoints, and {@code https} ones when the connection details
 * carry an SSL bundle; anything it cannot carry (an authority override, another scheme, a
 * gateway turned off with {@code --enable-grpc-gateway=false}) is {@link Unsupported}, and the
 * import reads over gRPC instead.
 */
public final class EtcdGatewayRead {

    /** The gateway cannot serve this read: read over gRPC instead. */
    public static final class Unsupported extends Exception {

        private static final long serialVersionUID = 1L;

        Unsupported(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Every key under a prefix, as properties are made from them, and the revision it was read at. */
    public record Read(SortedMap<String, String> entries, long revision) {
    }

    private EtcdGatewayRead() {
    }

    /**
     * Reads every key under {@code prefix} (below {@code namespace}, when set) from the first
     * endpoint that answers, within {@code timeout} in all.
     *
     * @throws Unsupported     when the gateway cannot serve the read (read over gRPC then)
     * @throws TimeoutException when no endpoint answered within the timeout
     * @throws IOException      when etcd refused the read (its message), or none could be reached
     */
    public static Read read(EtcdConnectionDetails details, @Nullable String namespace, @Nullable String authority,
                            String prefix, Duration timeout) throws Unsupported, TimeoutException, IOException {
        if (authority != null) {
            throw new Unsupported("an authority override");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        String ns = namespace == null ? "" : namespace;
        byte[] key = (ns + prefix).getBytes(StandardCharsets.UTF_8);
        String body = "{\"key\":\"" + base64(key) + "\",\"range_end\":\"" + base64(rangeEnd(key)) + "\"}";
        IOException last = null;
        for (String endpoint : details.getEndpoints()) {
            URI base = URI.create(endpoint.endsWith("/") ? endpoint : endpoint + "/");
            if (!"http".equals(base.getScheme()) && !("https".equals(base.getScheme())
                    && details.getSslBundle() != null)) {
                throw new Unsupported("endpoint " + endpoint);
            }
            try {
                String token = null;
                if (details.getUser() != null && details.getPassword() != null) {
                    Map<String, Object> login = post(base, "v3/auth/authenticate", "{\"name\":\"" + json(details
                            .getUser()) + "\",\"password\":\"" + json(details.getPassword()) + "\"}", null, details,
                            deadline);
                    token = String.valueOf(login.get("token"));
                }
                return decode(post(base, "v3/kv/range", body, token, details, deadline), ns);
            } catch (SocketTimeoutException e) {
                throw new TimeoutException("no answer within " + timeout.toMillis() + " ms");
            } catch (Refused e) {
                throw new IOException(e.getMessage());
            } catch (IOException e) {
                // Not reached (refused, reset): the next endpoint, as a client fails over.
                last = e;
            }
        }
        throw last != null ? last : new IOException("no endpoint");
    }

    /** etcd answered, and said no (a refused login or permission): no other endpoint would say yes. */
    private static final class Refused extends IOException {

        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private static Map<String, Object> post(URI base, String path, String body, @Nullable String token,
                                            EtcdConnectionDetails details, long deadline)
            throws IOException, Unsupported {
        int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        HttpURLConnection http = (HttpURLConnection) base.resolve(path).toURL().openConnection();
        SslBundle tls = details.getSslBundle();
        if (http instanceof HttpsURLConnection https && tls != null) {
            https.setSSLSocketFactory(tls.createSslContext().getSocketFactory());
        }
        http.setConnectTimeout(left);
        http.setReadTimeout(left);
        http.setRequestMethod("POST");
        http.setDoOutput(true);
        http.setRequestProperty("Content-Type", "application/json");
        if (token != null) {
            http.setRequestProperty("Authorization", token);
        }
        try (OutputStream out = http.getOutputStream()) {
            out.write(body.getBytes(StandardCharsets.UTF_8));
        }
        int status = http.getResponseCode();
        if (status == HttpURLConnection.HTTP_NOT_FOUND) {
            throw new Unsupported("no JSON gateway at " + base);
        }
        try (InputStream in = status < 400 ? http.getInputStream() : http.getErrorStream()) {
            String answer = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Map<String, Object> parsed = answer.isBlank() ? Map.of() : new BasicJsonParser().parseMap(answer);
            if (status != HttpURLConnection.HTTP_OK) {
                Object message = parsed.getOrDefault("message", parsed.getOrDefault("error", answer));
                throw new Refused("etcd refused the read: " + message);
            }
            return parsed;
        }
    }

    private static Read decode(Map<String, Object> range, String namespace) {
        SortedMap<String, String> entries = new TreeMap<>();
        Object kvs = range.get("kvs");
        if (kvs instanceof List<?> list) {
            for (Object item : list) {
                Map<?, ?> kv = (Map<?, ?>) item;
                String key = utf8(kv.get("key")).substring(namespace.length());
                entries.put(key, utf8(kv.get("value")));
            }
        }
        Map<?, ?> header = (Map<?, ?>) range.get("header");
        long revision = header == null ? 0 : Long.parseLong(String.valueOf(header.get("revision")));
        return new Read(entries, revision);
    }

    /** etcd's JSON gateway writes bytes as base64 and leaves empty ones out. */
    private static String utf8(@Nullable Object base64) {
        return base64 == null ? "" : new String(Base64.getDecoder().decode(base64.toString()), StandardCharsets.UTF_8);
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The end of the range of keys under {@code prefix}: its last byte below 0xff, plus one. */
    static byte[] rangeEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xff) {
                byte[] end = Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        // Every byte 0xff (or empty): to the end of the key space.
        return new byte[] {0};
    }

    /** A string as a JSON string literal's content. */
    private static String json(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
