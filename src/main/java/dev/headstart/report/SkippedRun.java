package dev.headstart.report;

import java.nio.file.Path;

/** A folder under the runs folder that the report left out, and why (shown on stderr and in the page). */
public record SkippedRun(Path dir, String reason) {
  public String message() {
    return "skipped " + dir + ": " + reason;
  }
}
