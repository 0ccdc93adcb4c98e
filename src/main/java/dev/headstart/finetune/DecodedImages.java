package dev.headstart.finetune;

import dev.headstart.core.Reporter;
import dev.headstart.extract.ImageDecoder;
import dev.headstart.extract.ImageEntry;
import dev.headstart.extract.ImageSkippedException;
import dev.headstart.extract.RgbImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The images of one split, decoded once in parallel before training. Every file is decoded up
 * front so that a bad image is found, named and skipped before the first epoch, not in the middle
 * of one; the decoded pixels are kept when they fit in the memory budget (then epochs only crop,
 * resize and normalize), otherwise they are decoded again on each access.
 */
final class DecodedImages {
  /** Decoded pixels kept in memory at most (4 bytes each): 1 GiB. */
  static final long MEMORY_BUDGET_PIXELS = 256L << 20;

  private final List<ImageEntry> entries;
  private final RgbImage[] cached;
  private final ImageDecoder decoder;

  private DecodedImages(List<ImageEntry> entries, RgbImage[] cached, ImageDecoder decoder) {
    this.entries = entries;
    this.cached = cached;
    this.decoder = decoder;
  }

  static DecodedImages decode(List<ImageEntry> all, ImageDecoder decoder, ExecutorService pool,
      long pixelBudget, Reporter reporter) {
    List<Future<RgbImage>> futures = new ArrayList<>();
    for (ImageEntry e : all) futures.add(pool.submit(() -> decodeOrNull(decoder, e, reporter)));
    List<ImageEntry> kept = new ArrayList<>();
    List<RgbImage> images = new ArrayList<>();
    long pixels = 0;
    for (int i = 0; i < all.size(); i++) {
      RgbImage img = get(futures.get(i));
      if (img == null) continue; // decodeOrNull named it
      kept.add(all.get(i));
      pixels += (long) img.width() * img.height();
      images.add(img);
    }
    boolean keep = pixels <= pixelBudget;
    RgbImage[] cached = new RgbImage[kept.size()];
    if (keep) cached = images.toArray(cached);
    return new DecodedImages(List.copyOf(kept), cached, decoder);
  }

  private static RgbImage decodeOrNull(ImageDecoder decoder, ImageEntry e, Reporter reporter) throws IOException {
    try {
      return decoder.decode(e.file());
    } catch (ImageSkippedException ex) {
      reporter.warn("finetune: skipping " + e.file() + ": " + ex.getMessage());
      return null;
    }
  }

  private static RgbImage get(Future<RgbImage> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while decoding images", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) throw new UncheckedIOException(io);
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The images that decoded, in dataset order. */
  List<ImageEntry> entries() {
    return entries;
  }

  RgbImage image(int index) {
    RgbImage img = cached[index];
    if (img != null) return img;
    try {
      return decoder.decode(entries.get(index).file());
    } catch (ImageSkippedException | IOException e) {
      throw new IllegalStateException("image " + entries.get(index).file()
          + " decoded before training but not now: " + e.getMessage(), e);
    }
  }
}
