package dev.headstart.engine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The libtorch and DJL versions this build is made with (from the pom, filtered into a resource),
 * known without loading libtorch: the engine check's cache key and provenance need them first.
 */
public final class EngineVersions {
  public static final String LIBTORCH;
  public static final String DJL;

  static {
    Properties p = new Properties();
    try (InputStream in = EngineVersions.class.getResourceAsStream("versions.properties")) {
      if (in != null) p.load(in);
    } catch (IOException e) {
      // keep the defaults below
    }
    LIBTORCH = p.getProperty("libtorch", "unknown");
    DJL = p.getProperty("djl", "unknown");
  }

  private EngineVersions() {}
}
