package io.watchcache.internal;

import io.watchcache.RequestInfo;

/**
 * What identifies an entry: its type, partition, token and key. The token is part of the
 * identity (two credentials never share what they may read) but never of the printed form. A
 * plain key (no partition, no token: the common case) keeps neither, so the key that every
 * entry holds costs 24 bytes rather than 32. The hash is computed once: a read with a partition
 * or a token builds a key to look it up (a plain key's hit needs none, see {@code EntryTable}),
 * and a record would combine four string hashes each time.
 */
abstract sealed class EntryKey permits EntryKey.Plain, EntryKey.Scoped {

    private final String type;
    private final String key;
    private final int hash;

    private EntryKey(String type, String partition, String token, String key) {
        this.type = type;
        this.key = key;
        this.hash = ((type.hashCode() * 31 + partition.hashCode()) * 31 + token.hashCode()) * 31 + key.hashCode();
    }

    /** The key of {@code info}'s entry of {@code type}. */
    static EntryKey of(TypeRegistration type, RequestInfo info) {
        return plain(info) ? new Plain(type.name, info.key())
                : new Scoped(type.name, info.partition(), info.token(), info.key());
    }

    /** Whether {@code info} names a plain entry ({@link #plain()}): looked up without a key object. */
    static boolean plain(RequestInfo info) {
        return info.partition().isEmpty() && info.token().isEmpty();
    }

    /** No partition and no token: the common case, which {@code EntryTable} indexes by key alone. */
    final boolean plain() {
        return this instanceof Plain;
    }

    abstract String partition();

    abstract String token();

    final String key() {
        return key;
    }

    @Override
    public final boolean equals(Object other) {
        return this == other || (other instanceof EntryKey that && hash == that.hash && key.equals(that.key)
                && type.equals(that.type) && partition().equals(that.partition()) && token().equals(that.token()));
    }

    @Override
    public final int hashCode() {
        return hash;
    }

    @Override
    public final String toString() {
        return "EntryKey[type=" + type + ", partition=" + partition() + ", key=" + key
                + (token().isEmpty() ? "" : ", token=" + RequestInfo.MASK) + "]";
    }

    /** A key without partition and token. */
    static final class Plain extends EntryKey {

        private Plain(String type, String key) {
            super(type, "", "", key);
        }

        @Override
        String partition() {
            return "";
        }

        @Override
        String token() {
            return "";
        }
    }

    /** A key with a partition, a token, or both. */
    static final class Scoped extends EntryKey {

        private final String partition;
        private final String token;

        private Scoped(String type, String partition, String token, String key) {
            super(type, partition, token, key);
            this.partition = partition;
            this.token = token;
        }

        @Override
        String partition() {
            return partition;
        }

        @Override
        String token() {
            return token;
        }
    }
}
