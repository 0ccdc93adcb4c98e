package dev.headstart.extract;

import dev.headstart.io.Hashing;
import dev.headstart.io.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What makes two feature rows interchangeable: the backbone file and the preprocessing. */
final class FeatureFingerprint {
  private FeatureFingerprint() {}

  /**
   * Equal fingerprints: same backbone file (SHA-256) and preprocessing (views and their seed,
   * precision included). Labels, paths and splits are not part of it: they live in the index. The
   * JSON goes through a map first so that a description read back from a manifest hashes the same.
   */
  static String of(String backboneSha, Map<String, Object> preprocessing) {
    Map<String, Object> parts = new LinkedHashMap<>();
    parts.put("backbone_sha256", backboneSha);
    parts.put("preprocessing", preprocessing);
    return Hashing.sha256(Json.GSON.toJson(Json.GSON.fromJson(Json.GSON.toJson(parts), Map.class)));
  }

  /** The earlier layout's fingerprint (it covered the class list too): to recognise its stores. */
  static String legacy(String backboneSha, Map<String, Object> preprocessing, List<String> classes) {
    Map<String, Object> parts = new LinkedHashMap<>();
    parts.put("backbone_sha256", backboneSha);
    parts.put("preprocessing", preprocessing);
    parts.put("classes", classes);
    return Hashing.sha256(Json.GSON.toJson(parts));
  }
}
