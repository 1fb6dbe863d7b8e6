package io.watchcache.internal;

/**
 * What identifies an entry. The token is part of the identity (two credentials never share
 * what they may read) but never of the printed form.
 */
record EntryKey(String type, String partition, String token, String key) {

    @Override
    public String toString() {
        return "EntryKey[type=" + type + ", partition=" + partition + ", key=" + key
                + (token.isEmpty() ? "" : ", token=<redacted>") + "]";
    }
}
