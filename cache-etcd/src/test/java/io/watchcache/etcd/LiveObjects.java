package io.watchcache.etcd;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

/** Counts live objects in this JVM, for leak checks in tests and benchmarks. */
public final class LiveObjects {

    /** jetcd's per-watch object: one per stream the client holds. */
    public static final String JETCD_WATCHER = "io.etcd.jetcd.impl.WatchImpl$WatcherImpl";

    private LiveObjects() {
    }

    /** Live instances of {@code className} after a full GC, from the JVM's class histogram. */
    public static long count(String className) throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        for (String line : histogram.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 4 && columns[3].equals(className)) {
                return Long.parseLong(columns[1]);
            }
        }
        return 0;
    }
}
