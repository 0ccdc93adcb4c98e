package dev.headstart.extract;

/** An image whose bytes could not be decoded (or changed under the extract): skipped and listed. */
public record ImageFailure(ExtractJob job, String reason) {}
