package dev.headstart.features;

import com.google.gson.JsonParseException;
import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code rows/fingerprint=.../_fingerprint.json}: what made the rows of one fingerprint folder,
 * so a later extract can describe them (and switch back to them) without loading the backbone.
 *
 * @param backbone the backbone's description when the folder was started (uri, sha256, platform, probe)
 * @param extractSeconds the extracts' seconds that computed this folder's rows, summed
 * @param rowsComputed the rows they computed: with extractSeconds, what a row costs here
 */
public record FingerprintInfo(String fingerprint, Map<String, Object> backbone, Map<String, Object> preprocessing,
    int featureDim, int views, String createdAt, String headstartVersion, double extractSeconds, long rowsComputed) {

  /** The same, with one more extract's seconds and rows counted. */
  public FingerprintInfo plus(double seconds, long rows) {
    return new FingerprintInfo(fingerprint, backbone, preprocessing, featureDim, views, createdAt, headstartVersion,
        extractSeconds + seconds, rowsComputed + rows);
  }

  /** Seconds a from-scratch extract of {@code rows} rows would take at the rate seen so far; NaN before any. */
  public double secondsFor(long rows) {
    return rowsComputed > 0 ? extractSeconds / rowsComputed * rows : Double.NaN;
  }

  public static FingerprintInfo read(Path dir, Configuration conf) throws IOException {
    Path file = FeatureStoreLayout.fingerprintInfo(dir);
    try {
      return HadoopFs.readJson(file, FingerprintInfo.class, conf);
    } catch (JsonParseException e) {
      throw new FeatureStoreException(file + " is not readable (" + e.getMessage() + "): delete the folder "
          + dir + " and rerun ./extract", e);
    }
  }

  public void write(Path dir, Configuration conf) throws IOException {
    HadoopFs.writeJson(FeatureStoreLayout.fingerprintInfo(dir), this, conf);
  }
}
