package dev.headstart.runner;

import java.util.List;
import java.util.Map;

/**
 * What the runner remembers of a stage's last successful run: the fingerprint of everything it
 * depended on, broken into named parts so that --dry-run can say what changed, and the outputs
 * it left, so that a deleted output makes the stage run again.
 *
 * @param parts part name (a config key, "data files", "backbone files", ...) -> its value or hash
 * @param outputs files and folders the stage wrote, relative to pipeline.yaml's folder
 */
public record StageState(
    String stage,
    String fingerprint,
    Map<String, String> parts,
    List<String> outputs,
    String finishedAt,
    double seconds,
    String headstartVersion) {}
