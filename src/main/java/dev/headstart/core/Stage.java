package dev.headstart.core;

import dev.headstart.config.PipelineConfig;
import java.io.IOException;

/**
 * One pipeline stage (extract, train, finetune, report): the resolved settings and a reporter in,
 * a typed result out. The command line, the runner and other engines call stages through this
 * shape, never through each other's command lines.
 *
 * @param <R> what the stage did
 */
public interface Stage<R> {
  /** The stage's id: extract, train, finetune or report. */
  String id();

  R run(PipelineConfig config, Reporter reporter) throws IOException;
}
