package dev.headstart.config;

/**
 * A group of settings that several sections share (the optimizer, the schedule, the head),
 * written flat in its section of pipeline.yaml ({@code train.lr}, not {@code train.optimizer.lr}):
 * {@link RecordBinder} binds and lists its keys as the section's own. Its checks run in the
 * section's record, which knows the section's name and its own limits.
 */
public interface FlatSettings {}
