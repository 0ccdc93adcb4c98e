package dev.headstart.extract;

import java.nio.file.Path;

/**
 * One image of the dataset.
 *
 * @param file where it is on disk
 * @param path its path relative to the data root, with forward slashes (the feature store's key)
 * @param split train, val or test (a held-out val image keeps its train/ path)
 * @param label the class id: the index of labelName in the class list
 */
public record ImageEntry(Path file, String path, String split, int label, String labelName) {}
