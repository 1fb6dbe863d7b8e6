/**
 * watchcache's engine. Only {@code io.watchcache} is exported: the machinery in
 * {@code io.watchcache.internal} is not part of the API and cannot be reached from outside.
 */
module io.watchcache {
    exports io.watchcache;

    requires transitive micrometer.core;
    requires transitive micrometer.observation;
    requires com.github.benmanes.caffeine;
    requires java.management;
    requires org.slf4j;
    requires static com.google.errorprone.annotations;
    requires static transitive org.jspecify;
}
