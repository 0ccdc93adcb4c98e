package dev.headstart.report;

import java.nio.file.Path;
import java.util.List;

/** What the runs folder held: the complete runs, in name order, and the folders left out. */
public record RunScan(Path runsDir, List<LoadedRun> runs, List<SkippedRun> skipped) {
  public RunScan {
    runs = List.copyOf(runs);
    skipped = List.copyOf(skipped);
  }
}
