package dev.headstart.features;

/**
 * One image file of the current listing, a row of {@code index.parquet}.
 *
 * @param path the image path relative to the data root (forward slashes)
 * @param split train, val or test
 * @param label the class id: the index of labelName in the manifest's class list
 * @param contentHash SHA-256 of the file's bytes: the key of its feature rows
 */
public record IndexEntry(String path, String split, int label, String labelName, String contentHash) {}
