package io.watchcache.internal;

import io.watchcache.CacheSnapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The operator's view of a cache: types, entries and watches, sorted for stable output. Built
 * from the live structures without touching entries (it never counts as use) and without a
 * token: entries are named by their opaque id.
 */
final class Introspection {

    private Introspection() {
    }

    static CacheSnapshot snapshot(Collection<TypeRegistration> types, Collection<Entry> entries,
                                  Collection<Watch> watches, long now) {
        List<CacheSnapshot.TypeView> typeViews = new ArrayList<>();
        for (TypeRegistration t : types) {
            typeViews.add(new CacheSnapshot.TypeView(t.name, t.options));
        }
        typeViews.sort(Comparator.comparing(CacheSnapshot.TypeView::name));
        // Watches and live values (which are watches) hold their entries; an import is a watch too.
        Set<EntryKey> held = new HashSet<>();
        for (Watch watch : watches) {
            held.add(EntryKey.of(watch.delivery.type, watch.info));
        }
        List<CacheSnapshot.EntryView> entryViews = new ArrayList<>();
        for (Entry entry : entries) {
            Snapshot s = entry.snapshot();
            Throwable error = s.error();
            entryViews.add(new CacheSnapshot.EntryView(entry.id(), entry.type.name, entry.key.key(),
                    entry.key.partition(), s.index(), s.valid(),
                    s.valid() ? Duration.ofNanos(now - s.fetchedAtNanos()) : null, entry.loop.fetching(),
                    error == null ? null : error.getClass().getName() + ": " + error.getMessage(),
                    s.lostContact() ? Duration.ofNanos(now - s.lostContactNanos()) : null, s.failed(),
                    held.contains(entry.key), entry.followers()));
        }
        entryViews.sort(Comparator.comparing(CacheSnapshot.EntryView::type).thenComparing(CacheSnapshot.EntryView::key)
                .thenComparing(CacheSnapshot.EntryView::partition));
        List<CacheSnapshot.WatchView> watchViews = new ArrayList<>();
        for (Watch watch : watches) {
            Delivery delivery = watch.delivery;
            watchViews.add(new CacheSnapshot.WatchView(delivery.type.name, watch.info.key(), watch.info.partition(),
                    delivery.correlationId, delivery.lastIndex()));
        }
        watchViews.sort(Comparator.comparing(CacheSnapshot.WatchView::type)
                .thenComparing(CacheSnapshot.WatchView::correlationId));
        return new CacheSnapshot(List.copyOf(typeViews), List.copyOf(entryViews), List.copyOf(watchViews));
    }
}
