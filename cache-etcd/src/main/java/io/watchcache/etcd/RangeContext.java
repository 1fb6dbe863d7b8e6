package io.watchcache.etcd;

/**
 * What the watches of one etcd type share and use: the type's options, how its content becomes
 * a value, its reads, streams, deadlines and reachability. One per type, handed to each of its
 * {@link RangeWatch}es, which need nothing else of the type.
 *
 * @param prefix       whether a watch's key is a prefix
 * @param options      the type's limits
 * @param value        the value the content stands for
 * @param reads        the type's hedged, bounded reads
 * @param streams      the watch streams its entries share
 * @param deadlines    the deadlines of its waiting fetches
 * @param reachability whether etcd answers: told of every failure and answer
 * @param time         the type's clock and timer
 */
record RangeContext<V>(boolean prefix, EtcdTypeOptions options, RangeContent.Value<V> value, HedgedReads reads,
                       WatchStreams streams, Deadlines deadlines, EtcdReachability reachability, EtcdTime time) {
}
