package io.watchcache.internal;

import io.watchcache.RequestInfo;

/**
 * What identifies an entry. The token is part of the identity (two credentials never share
 * what they may read) but never of the printed form. The hash is computed once: a read with a
 * partition or a token builds a key to look it up (a plain key's hit needs none, see
 * {@code EntryTable}), and a record would combine four string hashes each time.
 */
final class EntryKey {

    private final String type;
    private final String partition;
    private final String token;
    private final String key;
    private final int hash;

    EntryKey(String type, String partition, String token, String key) {
        this.type = type;
        this.partition = partition;
        this.token = token;
        this.key = key;
        this.hash = ((type.hashCode() * 31 + partition.hashCode()) * 31 + token.hashCode()) * 31 + key.hashCode();
    }

    /** The key of {@code info}'s entry of {@code type}. */
    static EntryKey of(TypeRegistration type, RequestInfo info) {
        return new EntryKey(type.name, info.partition(), info.token(), info.key());
    }

    /** No partition and no token: the common case, which {@code EntryTable} indexes by key alone. */
    boolean plain() {
        return plain(partition, token);
    }

    /** Whether {@code info} names a plain entry ({@link #plain()}): looked up without a key object. */
    static boolean plain(RequestInfo info) {
        return plain(info.partition(), info.token());
    }

    private static boolean plain(String partition, String token) {
        return partition.isEmpty() && token.isEmpty();
    }

    String partition() {
        return partition;
    }

    String key() {
        return key;
    }

    @Override
    public boolean equals(Object other) {
        return this == other || (other instanceof EntryKey that && hash == that.hash && key.equals(that.key)
                && type.equals(that.type) && partition.equals(that.partition) && token.equals(that.token));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "EntryKey[type=" + type + ", partition=" + partition + ", key=" + key
                + (token.isEmpty() ? "" : ", token=" + RequestInfo.MASK) + "]";
    }
}
