package io.watchcache.etcd.config;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Before a configuration import waits its whole request timeout for etcd, a quick look at
 * whether etcd can be reached at all: each endpoint's host is resolved and a TCP connection is
 * tried. When every endpoint refuses or names a host that does not resolve, the read could only
 * wait out its timeout, so the import says why at once. An endpoint that accepts, or does not
 * answer within the wait, or is not a {@code http(s)://host:port} URL, lets the read go ahead.
 */
final class EtcdEndpointProbe {

    private static final int DEFAULT_PORT = 2379;

    private EtcdEndpointProbe() {
    }

    /**
     * Why none of {@code endpoints} can be reached (e.g. "connection refused at
     * 127.0.0.1:2379"), or null when one may be.
     */
    static @Nullable String unreachable(List<String> endpoints, Duration wait) {
        List<String> reasons = new ArrayList<>();
        for (String endpoint : endpoints) {
            String reason = unreachable(endpoint, wait);
            if (reason == null) {
                return null;
            }
            reasons.add(reason);
        }
        return reasons.isEmpty() ? null : String.join("; ", reasons);
    }

    private static @Nullable String unreachable(String endpoint, Duration wait) {
        URI uri;
        try {
            uri = URI.create(endpoint.trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        String host = uri.getHost();
        if (host == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            return null;
        }
        int port = uri.getPort() > 0 ? uri.getPort() : DEFAULT_PORT;
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return "host '" + host + "' cannot be resolved";
        }
        for (InetAddress address : addresses) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, port), (int) Math.max(1, wait.toMillis()));
                return null;
            } catch (ConnectException refused) {
                // Refused (or unreachable at once): try the host's other addresses.
            } catch (IOException e) {
                // No answer within the wait, or something else: the read may still get through.
                return null;
            }
        }
        return "connection refused at " + host + ":" + port;
    }
}
