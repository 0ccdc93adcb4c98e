package dev.headstart.extract;

import dev.headstart.config.DataConfig;
import dev.headstart.config.ExtractConfig;
import dev.headstart.core.Background;
import dev.headstart.core.Reporter;
import dev.headstart.core.UserException;
import dev.headstart.features.Manifest.SkippedFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What an extract has to do, before any backbone runs: the folder listed, every listed file's
 * content hash (from the hash cache where the file is unchanged), and the (hash, view) keys the
 * store lacks, as jobs.
 *
 * @param listingSeconds listing the folder
 * @param hashSeconds hashing, once the hash cache was read
 * @param lookupSeconds finding the missing keys
 */
record ExtractPlan(ImageFolderDataset dataset, Listing listing, List<ExtractJob> jobs, StoreState state,
    ContentHasher hasher, double listingSeconds, double hashSeconds, double lookupSeconds) {

  /** Lists, hashes and looks up; {@code state} is the store's side, read meanwhile elsewhere. */
  static ExtractPlan make(ImageFiles files, DataConfig data, ExtractConfig ex, Background<StoreState> state,
      Reporter reporter) throws IOException {
    long t0 = System.nanoTime();
    ImageFolderDataset dataset = ImageFolderDataset.scan(files, data);
    double listingSeconds = (System.nanoTime() - t0) / 1e9;
    if (ex.strict() && !dataset.skipped().isEmpty()) throw strict(dataset, dataset.skipped().get(0));

    // which bytes are listed, and which of them the store already has; hashing is timed once the
    // hash cache is there (its read is the store's, beside the listing)
    List<ImageEntry> entries = new ArrayList<>();
    for (String split : dataset.splitNames()) entries.addAll(dataset.split(split));
    StoreState store = state.take();
    long h0 = System.nanoTime();
    ContentHasher hasher = new ContentHasher(Runtime.getRuntime().availableProcessors());
    Listing listing = Listing.of(dataset, hasher.hash(dataset.files(), entries, store.cache(), reporter.progress()),
        ex.maxPixels());
    if (ex.strict() && !listing.skipped().isEmpty()) throw strict(dataset, listing.skipped().get(0));
    double hashSeconds = (System.nanoTime() - h0) / 1e9;
    long k0 = System.nanoTime();
    List<ExtractJob> jobs = listing.jobs(store.stored(), ex.views());
    double lookupSeconds = (System.nanoTime() - k0) / 1e9;
    return new ExtractPlan(dataset, listing, jobs, store, hasher, listingSeconds, hashSeconds, lookupSeconds);
  }

  static UserException strict(ImageFolderDataset dataset, SkippedFile s) {
    return new UserException("--strict: " + dataset.files().location() + "/" + s.path() + ": " + s.reason()
        + "; fix or remove it, or run without --strict to skip it");
  }
}
