package dev.headstart.config;

/** The version every output records, so that provenance and the runner can tell tools apart. */
public final class HeadstartVersion {
  public static final String VERSION = "0.1.0";

  private HeadstartVersion() {}
}
