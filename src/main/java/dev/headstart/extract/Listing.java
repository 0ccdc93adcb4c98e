package dev.headstart.extract;

import dev.headstart.features.IndexEntry;
import dev.headstart.features.Manifest.LabelConflict;
import dev.headstart.features.Manifest.SkippedFile;
import dev.headstart.features.StoredKeys;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The folder listing after hashing: the images that can be used (each with its content hash),
 * those that cannot (with the reason, from the scan, from reading, or from the decoder now or in
 * an earlier extract), and the hash cache to keep. It answers what the store still lacks and
 * becomes the index.
 */
final class Listing {
  private record Usable(ImageEntry entry, String hash) {}

  private final List<Usable> usable = new ArrayList<>();
  private final List<SkippedFile> skipped = new ArrayList<>();
  private final Map<String, HashCache.Entry> cache = new LinkedHashMap<>();

  /**
   * hashed: every listed image file; maxPixels: a file the decoder refused under the same limit
   * is skipped without decoding it again.
   */
  static Listing of(ImageFolderDataset dataset, List<ContentHasher.Hashed> hashed, long maxPixels) {
    Listing l = new Listing();
    l.skipped.addAll(dataset.skipped());
    for (ContentHasher.Hashed h : hashed) {
      ImageEntry e = h.entry();
      if (h.readError() != null) {
        l.skipped.add(new SkippedFile(e.path(), e.split(), h.readError()));
        continue;
      }
      HashCache.Entry c = h.cached();
      l.cache.put(e.path(), c);
      if (c.skipReason() != null && c.skipMaxPixels() == maxPixels) {
        l.skipped.add(new SkippedFile(e.path(), e.split(), c.skipReason()));
      } else {
        if (c.skipReason() != null) l.cache.put(e.path(), c.withSkip(null, 0));
        l.usable.add(new Usable(e, c.contentHash()));
      }
    }
    return l;
  }

  /** What the store lacks: per image content, the views it has no row for, in listing order. */
  List<ExtractJob> jobs(StoredKeys stored, int views) {
    Map<String, BitSet> need = new LinkedHashMap<>();
    Map<String, ImageEntry> file = new HashMap<>();
    for (Usable u : usable) {
      int last = u.entry().split().equals(ImageFolderDataset.TRAIN) ? views : 0;
      for (int v = 0; v <= last; v++) {
        if (stored.has(u.hash(), v)) continue;
        need.computeIfAbsent(u.hash(), k -> new BitSet()).set(v);
        file.putIfAbsent(u.hash(), u.entry());
      }
    }
    List<ExtractJob> jobs = new ArrayList<>(need.size());
    need.forEach((hash, bits) -> jobs.add(new ExtractJob(hash, file.get(hash), bits.stream().toArray())));
    return jobs;
  }

  /** Images the decoder refused: every path with those bytes is skipped, now and next time. */
  void failed(List<ImageFailure> failures, long maxPixels) {
    if (failures.isEmpty()) return;
    Map<String, String> reasons = new HashMap<>();
    for (ImageFailure f : failures) reasons.put(f.job().contentHash(), f.reason());
    List<Usable> keep = new ArrayList<>();
    for (Usable u : usable) {
      String reason = reasons.get(u.hash());
      if (reason == null) {
        keep.add(u);
        continue;
      }
      skipped.add(new SkippedFile(u.entry().path(), u.entry().split(), reason));
      HashCache.Entry c = cache.get(u.entry().path());
      // a file that changed under the extract is hashed again next time, never remembered as bad
      if (c != null) {
        if (reason.equals(JobDecoder.CHANGED)) {
          cache.remove(u.entry().path());
        } else {
          cache.put(u.entry().path(), c.withSkip(reason, maxPixels));
        }
      }
    }
    usable.clear();
    usable.addAll(keep);
  }

  List<IndexEntry> index() {
    List<IndexEntry> out = new ArrayList<>(usable.size());
    for (Usable u : usable) {
      ImageEntry e = u.entry();
      out.add(new IndexEntry(e.path(), e.split(), e.label(), e.labelName(), u.hash()));
    }
    return out;
  }

  /** Hashes of every usable image: what --gc keeps. */
  Set<String> hashes() {
    Set<String> out = new HashSet<>();
    for (Usable u : usable) out.add(u.hash());
    return out;
  }

  /** Bytes found under more than one class, with every path and class. */
  List<LabelConflict> conflicts() {
    Map<String, List<Usable>> byHash = new LinkedHashMap<>();
    for (Usable u : usable) byHash.computeIfAbsent(u.hash(), k -> new ArrayList<>()).add(u);
    List<LabelConflict> out = new ArrayList<>();
    for (Map.Entry<String, List<Usable>> e : byHash.entrySet()) {
      Set<String> classes = new TreeSet<>();
      for (Usable u : e.getValue()) classes.add(u.entry().labelName());
      if (classes.size() < 2) continue;
      out.add(new LabelConflict(e.getKey(), e.getValue().stream().map(u -> u.entry().path()).toList(),
          e.getValue().stream().map(u -> u.entry().labelName()).toList()));
    }
    return out;
  }

  /** Usable images per split. */
  Map<String, Integer> counts() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (Usable u : usable) out.merge(u.entry().split(), 1, Integer::sum);
    return out;
  }

  List<SkippedFile> skipped() {
    List<SkippedFile> out = new ArrayList<>(skipped);
    out.sort(Comparator.comparing(SkippedFile::split).thenComparing(SkippedFile::path));
    return out;
  }

  Collection<HashCache.Entry> cacheEntries() {
    return cache.values();
  }

  int images() {
    return usable.size();
  }
}
