package dev.headstart.extract;

import dev.headstart.core.ProgressMeter;
import dev.headstart.io.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The content hash (SHA-256) of every listed file: from the hash cache when the file's size and
 * modification time are unchanged, else read in a streaming pass (a fixed buffer, whatever the
 * file's size) on one thread per core.
 */
final class ContentHasher {
  /** A listed file after hashing: its hash (null when unreadable) and the cache entry to keep. */
  record Hashed(ImageEntry entry, HashCache.Entry cached, String readError) {
    String hash() {
      return cached == null ? null : cached.contentHash();
    }
  }

  /** What hashing cost: files read and their bytes, files the cache answered, seconds. */
  record Stats(int filesRead, long bytesRead, int filesCached, double seconds, int threads) {
    double filesPerSecondPerThread() {
      return filesRead / Math.max(seconds, 1e-9) / threads;
    }
  }

  private static final int BUFFER = 1 << 16;

  private final int threads;
  private final AtomicLong bytes = new AtomicLong();
  private Stats stats;

  ContentHasher(int threads) {
    this.threads = Math.max(1, threads);
  }

  List<Hashed> hash(ImageFiles files, List<ImageEntry> entries, HashCache cache, java.io.PrintStream progressOut)
      throws IOException {
    long t0 = System.nanoTime();
    List<Hashed> out = new ArrayList<>(entries.size());
    List<Integer> toRead = new ArrayList<>();
    for (ImageEntry e : entries) {
      HashCache.Entry c = cache.get(e.path());
      ImageFiles.Stat a;
      try {
        a = files.stat(e.path());
      } catch (IOException ex) {
        out.add(new Hashed(e, null, "cannot be read: " + ex.getMessage()));
        continue;
      }
      long mtime = a.mtimeMillis();
      if (c != null && c.matches(a.size(), mtime)) {
        out.add(new Hashed(e, c, null));
      } else {
        out.add(new Hashed(e, new HashCache.Entry(e.path(), a.size(), mtime, null, null, 0), null));
        toRead.add(out.size() - 1);
      }
    }
    ProgressMeter progress = progressOut == null ? null : new ProgressMeter(progressOut, toRead.size(), 30, false);
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "headstart-hash");
      t.setDaemon(true);
      return t;
    });
    try {
      // contiguous slices: one task per thread and no per-file scheduling
      List<Future<?>> futures = new ArrayList<>();
      int per = (toRead.size() + threads - 1) / Math.max(1, threads);
      for (int from = 0; from < toRead.size(); from += Math.max(1, per)) {
        List<Integer> slice = toRead.subList(from, Math.min(toRead.size(), from + Math.max(1, per)));
        futures.add(pool.submit(() -> {
          for (int i : slice) {
            Hashed h = out.get(i);
            try {
              String hash = hashFile(files, h.entry().path());
              out.set(i, new Hashed(h.entry(), new HashCache.Entry(h.cached().path(), h.cached().size(),
                  h.cached().mtimeMillis(), hash, null, 0), null));
            } catch (IOException ex) {
              out.set(i, new Hashed(h.entry(), null, "cannot be read: " + ex.getMessage()));
            }
            if (progress != null) {
              synchronized (progress) {
                if (progress.advance(1)) {
                  progress.show(String.format(Locale.ROOT, "extract: hashed %d/%d new or changed files, %.0f files/s, ETA %s",
                      progress.done(), progress.total(), progress.rate(), progress.eta()));
                }
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("hashing was interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) throw re;
      throw new IOException(c);
    } finally {
      pool.shutdownNow();
    }
    stats = new Stats(toRead.size(), bytes.get(), entries.size() - toRead.size(), (System.nanoTime() - t0) / 1e9,
        threads);
    return out;
  }

  Stats stats() {
    return stats;
  }

  private String hashFile(ImageFiles files, String rel) throws IOException {
    MessageDigest md = Hashing.sha256();
    byte[] buffer = new byte[BUFFER];
    try (InputStream in = files.open(rel)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        md.update(buffer, 0, n);
        bytes.addAndGet(n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
