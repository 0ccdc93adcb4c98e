package dev.headstart.extract;

import dev.headstart.features.IndexEntry;
import dev.headstart.features.StoreIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The listing's two files, the hash cache and the index, written from a snapshot of the listing
 * on threads of their own: side by side, and beside whatever the extract does meanwhile.
 */
final class ListingFiles {
  private final CompletableFuture<Void> cache;
  private final CompletableFuture<String> index;

  private ListingFiles(CompletableFuture<Void> cache, CompletableFuture<String> index) {
    this.cache = cache;
    this.index = index;
  }

  static ListingFiles writeAsync(Path store, Configuration conf, String dataRoot, Listing listing) {
    List<HashCache.Entry> entries = new ArrayList<>(listing.cacheEntries());
    List<IndexEntry> index = listing.index();
    return new ListingFiles(
        CompletableFuture.runAsync(() -> unchecked(() -> {
          HashCache.write(store, conf, dataRoot, entries);
          return null;
        })),
        CompletableFuture.supplyAsync(() -> unchecked(() -> StoreIndex.write(store, conf, index))));
  }

  /** Waits for both and returns the index's listing id; the first failure is thrown as it was. */
  String await() throws IOException {
    join(cache);
    return join(index);
  }

  private static <T> T join(CompletableFuture<T> f) throws IOException {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException u) throw u.getCause();
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw e;
    }
  }

  private interface Write<T> {
    T run() throws IOException;
  }

  private static <T> T unchecked(Write<T> w) {
    try {
      return w.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
