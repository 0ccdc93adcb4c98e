package dev.headstart.extract;

import dev.headstart.io.Hashing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * How the images are cut into Parquet parts: each split's images, in dataset order, in chunks
 * of about extract.part_rows rows (all views of an image stay in one part). A chunk's key
 * hashes what it holds (paths, labels, sizes, modification times), so a resumed extract keeps a
 * finished part only when it would hold the same images again.
 */
public final class ExtractionPlan {
  /** The images of one part file. */
  public record Chunk(String split, int index, List<ImageEntry> images, int viewsPerImage, String key) {}

  private final List<Chunk> chunks;
  private final String inputsHash;

  private ExtractionPlan(List<Chunk> chunks, String inputsHash) {
    this.chunks = List.copyOf(chunks);
    this.inputsHash = inputsHash;
  }

  /**
   * views: augmented views per training image; partRows: target rows per part; maxPixels: the
   * decoding limit, part of the inputs (raising it turns skipped images into rows).
   */
  public static ExtractionPlan of(ImageFolderDataset dataset, int views, int partRows, long maxPixels,
      String fingerprint) {
    List<Chunk> chunks = new ArrayList<>();
    StringBuilder all = new StringBuilder(fingerprint).append('\n').append(maxPixels).append('\n');
    for (String split : dataset.splitNames()) {
      int splitViews = split.equals(ImageFolderDataset.TRAIN) ? views : 0;
      int imagesPerPart = Math.max(1, partRows / (1 + splitViews));
      List<ImageEntry> images = dataset.split(split);
      for (int from = 0, index = 0; from < images.size(); from += imagesPerPart, index++) {
        List<ImageEntry> part = images.subList(from, Math.min(from + imagesPerPart, images.size()));
        StringBuilder sb = new StringBuilder(fingerprint).append('\n').append(maxPixels).append('\n').append(split).append('\n')
            .append(splitViews).append('\n');
        for (ImageEntry e : part) sb.append(describe(e)).append('\n');
        String key = Hashing.sha256(sb.toString());
        chunks.add(new Chunk(split, index, List.copyOf(part), splitViews, key));
        all.append(key).append('\n');
      }
    }
    for (var s : dataset.skipped()) all.append(s.split()).append(' ').append(s.path()).append('\n');
    return new ExtractionPlan(chunks, Hashing.sha256(all.toString()));
  }

  private static String describe(ImageEntry e) {
    try {
      BasicFileAttributes a = Files.readAttributes(e.file(), BasicFileAttributes.class);
      return e.path() + '\t' + e.split() + '\t' + e.label() + '\t' + a.size() + '\t'
          + a.lastModifiedTime().toMillis();
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot read " + e.file() + ": " + ex.getMessage(), ex);
    }
  }

  public List<Chunk> chunks() {
    return chunks;
  }

  /** Hash of every chunk key and the dataset's skipped list: equal means the same inputs. */
  public String inputsHash() {
    return inputsHash;
  }

  public int images() {
    return chunks.stream().mapToInt(c -> c.images().size()).sum();
  }
}
