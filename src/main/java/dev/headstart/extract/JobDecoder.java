package dev.headstart.extract;

import dev.headstart.io.Hashing;
import java.io.IOException;
import java.util.Random;

/**
 * Turns one job into the tensors of the views it asks for: reads the file, checks its bytes are
 * the ones hashed when it was listed, decodes and preprocesses. The same on every engine, so the
 * local extract and a cluster's executors compute the same rows.
 */
public final class JobDecoder {
  /** The tensors of a job's views, in the job's view order, or why there are none. */
  public record Decoded(float[][] tensors, String skipReason) {}

  /** Why an image whose bytes changed after listing is skipped: never remembered as a bad file. */
  public static final String CHANGED = "changed while extract ran (its bytes no longer match the hash taken"
      + " when it was listed); rerun ./extract";

  private final ImageFiles files;
  private final ImageDecoder decoder;
  private final Preprocessor preprocessor;
  private final long viewSeed;

  /** files: the image folder the jobs' paths are relative to. */
  public JobDecoder(ImageFiles files, ImageDecoder decoder, Preprocessor preprocessor, long viewSeed) {
    this.files = files;
    this.decoder = decoder;
    this.preprocessor = preprocessor;
    this.viewSeed = viewSeed;
  }

  /** rel: the image's path relative to the folder. */
  public Decoded decode(String contentHash, String rel, int[] views) {
    byte[] bytes;
    try {
      bytes = files.read(rel);
    } catch (IOException e) {
      return new Decoded(null, "cannot be read: " + e.getMessage());
    }
    if (!Hashing.sha256(bytes).equals(contentHash)) {
      return new Decoded(null, CHANGED);
    }
    // view 0 (the eval transform) may take a reduced-size decode, augmented views crop the full
    // image: each view's pixels depend only on the bytes and the settings, never on which other
    // views the same job asked for
    RgbImage forEval = null;
    RgbImage full = null;
    float[][] tensors = new float[views.length][];
    try {
      for (int k = 0; k < views.length; k++) {
        if (views[k] == 0) {
          if (forEval == null) forEval = decoder.decodeForResize(bytes, preprocessor.resize());
          tensors[k] = preprocessor.eval(forEval);
        } else {
          if (full == null) full = decoder.decode(bytes);
          tensors[k] = preprocessor.train(full, viewRandom(contentHash, views[k]));
        }
      }
    } catch (ImageSkippedException e) {
      return new Decoded(null, e.reason());
    }
    return new Decoded(tensors, null);
  }

  /**
   * Each view's randomness depends only on the seed, the image's content and the view number:
   * the same bytes get the same views under any path, so a moved image keeps its rows.
   */
  Random viewRandom(String contentHash, int view) {
    long h = viewSeed * 0x9E3779B97F4A7C15L;
    h = (h ^ contentHash.hashCode()) * 0xBF58476D1CE4E5B9L;
    h = (h ^ view) * 0x94D049BB133111EBL;
    return new Random(h ^ (h >>> 31));
  }
}
