package dev.headstart.features;

import dev.headstart.core.CrashPoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Removes feature rows no current listing references, in every fingerprint folder: a part with
 * no live row is deleted; parts whose live share falls under a threshold are rewritten together
 * into new parts holding only their live rows. The swap goes through a journal
 * ({@link CompactionJournal}) so a kill at any point loses and duplicates nothing; {@link
 * #finishInterrupted} completes or undoes a swap a killed run left.
 */
public final class StoreGc {
  /** What a collection did. */
  public record Result(int partsDeleted, int partsCompacted, int partsWritten, long rowsRemoved, long rowsKept,
      long bytesBefore, long bytesAfter) {}

  private final Path store;
  private final Configuration conf;
  private final FileSystem fs;

  public StoreGc(Path store, Configuration conf) throws IOException {
    this.store = store;
    this.conf = conf;
    this.fs = HadoopFs.fileSystem(store, conf);
  }

  /**
   * Finishes a compaction a killed run left (publishes its new parts and deletes the old ones
   * when they are all complete, else drops them and keeps the old), and deletes hidden parts a
   * killed writer left. Run before anything else touches the store.
   *
   * @return whether there was anything to finish or clean
   */
  public boolean finishInterrupted() throws IOException {
    boolean any = false;
    CompactionJournal journal = CompactionJournal.read(store, conf);
    if (journal != null) {
      any = true;
      Path dir = new Path(FeatureStoreLayout.rowsDir(store), journal.fingerprintDir());
      boolean complete = true;
      for (String name : journal.newParts()) {
        Path part = new Path(dir, name);
        Path tmp = FeatureStoreLayout.inProgress(part);
        if (fs.exists(part)) continue;
        if (fs.exists(tmp)) {
          FeaturePartWriter.publish(fs, tmp, part);
        } else {
          complete = false;
        }
      }
      if (complete) {
        for (String old : journal.oldParts()) fs.delete(new Path(dir, old), false);
      } else {
        // cannot happen unless a part was deleted by hand: the old parts still hold every row
        for (String name : journal.newParts()) fs.delete(new Path(dir, name), false);
      }
      CompactionJournal.delete(store, conf);
    }
    for (Path dir : FeatureStoreLayout.fingerprintDirs(fs, store)) {
      for (FileStatus f : fs.listStatus(dir)) {
        if (FeatureStoreLayout.isInProgress(f.getPath().getName())) {
          fs.delete(f.getPath(), false);
          any = true;
        }
      }
    }
    return any;
  }

  /**
   * Keeps the rows whose content hash is in {@code live}; compacts parts whose live share is
   * below {@code compactBelow} (0 = never rewrite, only delete parts with nothing live).
   */
  public Result collect(Set<String> live, double compactBelow, String runId, int partRows) throws IOException {
    int deleted = 0;
    int compacted = 0;
    int written = 0;
    long removed = 0;
    long kept = 0;
    long before = 0;
    long after = 0;
    for (Path dir : FeatureStoreLayout.fingerprintDirs(fs, store)) {
      List<Path> candidates = new ArrayList<>();
      long candidateLive = 0;
      Set<String> seen = new HashSet<>();
      for (Path part : FeatureParts.live(fs, store, dir, conf)) {
        long size = fs.getFileStatus(part).getLen();
        before += size;
        long[] counts = count(part, live, seen);
        long total = counts[0];
        long liveRows = counts[1];
        removed += total - liveRows;
        kept += liveRows;
        if (liveRows == 0) {
          fs.delete(part, false);
          deleted++;
        } else if (liveRows < compactBelow * total) {
          candidates.add(part);
          candidateLive += liveRows;
          after += size; // corrected below once rewritten
        } else {
          after += size;
        }
      }
      if (!candidates.isEmpty()) {
        for (Path c : candidates) after -= fs.getFileStatus(c).getLen();
        List<Path> made = compact(dir, candidates, live, runId, partRows, candidateLive);
        for (Path m : made) after += fs.getFileStatus(m).getLen();
        compacted += candidates.size();
        written += made.size();
      }
    }
    return new Result(deleted, compacted, written, removed, kept, before, after);
  }

  /** Counts a part's rows and those that stay (live hash, key not already seen in an earlier part). */
  private long[] count(Path part, Set<String> live, Set<String> seen) throws IOException {
    long[] counts = new long[2];
    FeatureParts.scan(part, conf, new RowBuffer(0) {
      @Override
      void row(String hash, int view, float[][] values, int[] lengths) {
        counts[0]++;
        if (live.contains(hash) && seen.add(hash + ':' + view)) counts[1]++;
      }
    }, null, List.of());
    return counts;
  }

  private List<Path> compact(Path dir, List<Path> oldParts, Set<String> live, String runId, int partRows,
      long liveRows) throws IOException {
    String fingerprint = fingerprintOf(dir);
    // one backbone per folder, so every part has the same feature columns: all of them are kept
    List<String> columns = FeatureParts.featureColumns(oldParts.get(0), conf);
    List<String> tapColumns = columns.subList(1, columns.size());
    List<FeaturePartWriter> writers = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int[] seq = {0};
    FeaturePartWriter[] current = {null};
    try {
      for (Path old : oldParts) {
        FeatureParts.scan(old, conf, new RowBuffer(columns.size()) {
          @Override
          void row(String hash, int view, float[][] values, int[] counts) {
            if (!live.contains(hash) || !seen.add(hash + ':' + view)) return;
            try {
              if (current[0] == null || current[0].rows() >= partRows) {
                if (current[0] != null) current[0].finish();
                current[0] = FeaturePartWriter.open(new Path(dir, FeatureStoreLayout.partName(runId + "c", seq[0]++)),
                    conf, fingerprint, null, tapColumns);
                writers.add(current[0]);
              }
              float[][] taps = new float[values.length - 1][];
              for (int c = 1; c < values.length; c++) taps[c - 1] = Arrays.copyOf(values[c], counts[c]);
              current[0].write(new StoredRow(hash, view, Arrays.copyOf(values[0], counts[0]), taps));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        }, null, columns);
      }
      if (current[0] != null) current[0].finish();
    } catch (UncheckedIOException e) {
      for (FeaturePartWriter w : writers) w.abort();
      throw e.getCause();
    } catch (IOException | RuntimeException e) {
      for (FeaturePartWriter w : writers) w.abort();
      throw e;
    }
    CrashPoint.reach("compaction-written");
    List<String> oldNames = oldParts.stream().map(Path::getName).toList();
    List<String> newNames = writers.stream().map(w -> w.path().getName()).toList();
    new CompactionJournal(dir.getName(), oldNames, newNames).write(store, conf);
    CrashPoint.reach("compaction-journaled");
    for (FeaturePartWriter w : writers) {
      FeaturePartWriter.publish(fs, w.temporaryPath(), w.path());
      CrashPoint.reach("compaction-published-one");
    }
    for (Path old : oldParts) fs.delete(old, false);
    CompactionJournal.delete(store, conf);
    return writers.stream().map(FeaturePartWriter::path).toList();
  }

  /** The full fingerprint of a folder, from its _fingerprint.json (its name has only 16 digits). */
  private String fingerprintOf(Path dir) throws IOException {
    FingerprintInfo info = FingerprintInfo.read(dir, conf);
    return info == null ? null : info.fingerprint();
  }
}
