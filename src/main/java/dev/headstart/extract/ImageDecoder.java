package dev.headstart.extract;

import com.twelvemonkeys.imageio.color.ColorProfiles;
import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes image files (JPEG, PNG, BMP, GIF first frame, WebP, through ImageIO with the
 * TwelveMonkeys plugins) to 8-bit RGB, the way torchvision's PIL loader sees them after
 * {@code convert("RGB")}: gray replicated, palette looked up, 16-bit reduced to its high byte,
 * alpha dropped. JPEG EXIF orientation is applied. The pixel limit is checked from the header, so
 * a decompression bomb is refused before a single pixel is allocated. Thread-safe: every call
 * uses its own reader.
 *
 * <p>JPEGs in RGB, YCbCr or gray without a non-sRGB ICC profile are decoded by libjpeg-turbo
 * ({@link TurboJpeg}, the decoder Pillow uses, with Pillow's settings) when it is installed, and by
 * the JDK's decoder otherwise: both give the same pixels (ImageDecoderTest checks it against
 * Pillow's). CMYK/YCCK and ICC-converted JPEGs, 12-bit JPEGs and every other format keep the JDK path.
 *
 * <p>A decoder made with {@code exact = false} may also decode a large JPEG at 1/2, 1/4 or 1/8 of
 * its size in the DCT domain ({@link #decodeForResize}), as Pillow's draft mode does: a fraction of
 * the work, at the cost of slightly different pixels than a full decode followed by the resize.
 */
public final class ImageDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(ImageDecoder.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();
  /** What the manifest records about reduced-size decoding (part of the feature fingerprint). */
  public static final String REDUCED_DECODE = "JPEGs of at least twice the resize target decoded at 1/2, 1/4 or"
      + " 1/8 scale in the DCT domain (libjpeg-turbo, as Pillow's draft mode), the shorter side never below"
      + " resize, then resized";

  static {
    // the shaded jar and test class paths both register the TwelveMonkeys readers through SPI
    ImageIO.scanForPlugins();
    ImageIO.setUseCache(false);
  }

  private final long maxPixels;
  private final boolean reduce;

  /** A decoder that always decodes at full size (finetune, tests). */
  public ImageDecoder(long maxPixels) {
    this(maxPixels, true);
  }

  /**
   * @param exact false: {@link #decodeForResize} decodes large JPEGs at reduced size when
   *     libjpeg-turbo is installed (extract.exact_decode: false); true: always at full size
   */
  public ImageDecoder(long maxPixels, boolean exact) {
    this.maxPixels = maxPixels;
    this.reduce = !exact && TurboJpeg.available();
    if (!exact && !reduce && WARNED.compareAndSet(false, true)) {
      LOG.warn("extract.exact_decode is false but JPEGs decode at full size with the JDK's decoder (slower): {}",
          TurboJpeg.unavailableReason());
    }
  }

  /** Whether a decoder asked for reduced-size decoding gets it here: libjpeg-turbo is installed. */
  public static boolean reducedDecodeAvailable() {
    return TurboJpeg.available();
  }

  /** Which JPEG decoder this JVM uses, for provenance and -v. */
  public static String jpegDecoder() {
    return TurboJpeg.available() ? "libjpeg-turbo (TurboJPEG, via JNA)" : "JDK ImageIO (" + TurboJpeg.unavailableReason() + ")";
  }

  /** Whether {@link #decodeForResize} may return a reduced-size image. */
  public boolean reduces() {
    return reduce;
  }

  public RgbImage decode(Path file) throws ImageSkippedException, IOException {
    return decode(Files.readAllBytes(file));
  }

  /** Decodes the bytes of one image file; a reason to skip it is thrown as ImageSkippedException. */
  public RgbImage decode(byte[] bytes) throws ImageSkippedException {
    return decode(bytes, 0);
  }

  /**
   * Decodes an image that will be resized to a shorter side of {@code shorterSide} pixels: a
   * decoder made with exact = false decodes a JPEG at least twice that size at the largest of
   * 1/8, 1/4, 1/2 that keeps its shorter side at or above it (Pillow's draft rule), otherwise as
   * {@link #decode(byte[])}.
   */
  public RgbImage decodeForResize(byte[] bytes, int shorterSide) throws ImageSkippedException {
    return decode(bytes, reduce ? shorterSide : 0);
  }

  /** The largest DCT scale 8, 4 or 2 that keeps both sides at or above shorterSide, else 1. */
  static int dctScale(int width, int height, int shorterSide) {
    if (shorterSide <= 0) return 1;
    long side = Math.min(width, height);
    for (int s = 8; s >= 2; s /= 2) {
      if (side >= (long) s * shorterSide) return s;
    }
    return 1;
  }

  private RgbImage decode(byte[] bytes, int shorterSide) throws ImageSkippedException {
    if (bytes.length == 0) throw new ImageSkippedException("empty file (0 bytes)");
    if (TurboJpeg.available() && isJpeg(bytes)) {
      RgbImage image = decodeTurbo(bytes, shorterSide);
      if (image != null) return image;
    }
    return decodeJdk(bytes);
  }

  static boolean isJpeg(byte[] b) {
    return b.length > 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
  }

  /**
   * libjpeg-turbo's decode, or null when the JDK path must decide: a colour space or ICC profile
   * the JDK converts, a JPEG the TurboJPEG API cannot decode (12-bit) or a broken one (the JDK
   * path words the reason as before).
   */
  private RgbImage decodeTurbo(byte[] bytes, int shorterSide) throws ImageSkippedException {
    try (TurboJpeg.Decompressor d = new TurboJpeg.Decompressor(bytes)) {
      TurboJpeg.Header header;
      try {
        header = d.header();
      } catch (TurboJpeg.JpegException e) {
        return null;
      }
      if (header.width() <= 0 || header.height() <= 0) return null;
      int cs = header.colorspace();
      if (cs != TurboJpeg.CS_YCBCR && cs != TurboJpeg.CS_RGB && cs != TurboJpeg.CS_GRAY) return null;
      checkPixels(header.width(), header.height());
      if (hasConvertedIccProfile(bytes)) return null;
      TurboJpeg.Decoded decoded;
      try {
        decoded = d.decode(header, dctScale(header.width(), header.height(), shorterSide));
      } catch (TurboJpeg.JpegException e) {
        return null;
      }
      if (decoded.warning() != null && isTruncation(decoded.warning())) {
        throw new ImageSkippedException("truncated JPEG: " + decoded.warning());
      }
      return Orientation.apply(decoded.image(), exifOrientation(bytes));
    }
  }

  private void checkPixels(int width, int height) throws ImageSkippedException {
    long pixels = (long) width * height;
    if (pixels > maxPixels) {
      throw new ImageSkippedException("too large: " + width + "x" + height + " = " + pixels
          + " pixels, over extract.max_pixels = " + maxPixels);
    }
  }

  private static boolean isTruncation(String warning) {
    String w = warning.toLowerCase(Locale.ROOT);
    return w.contains("premature end") || w.contains("truncat");
  }

  /**
   * Whether the JDK path would convert this JPEG's colours through its ICC profile (TwelveMonkeys
   * does for any profile but sRGB); such files stay on that path so their pixels do not depend on
   * whether libjpeg-turbo is installed.
   */
  static boolean hasConvertedIccProfile(byte[] jpeg) {
    if (!hasSegment(jpeg, 0xE2, "ICC_PROFILE")) return false;
    try (ImageInputStream in = new ByteArrayImageInputStream(jpeg)) {
      ByteArrayOutputStream profile = new ByteArrayOutputStream();
      for (JPEGSegment segment : JPEGSegmentUtil.readSegments(in, JPEG.APP2, "ICC_PROFILE")) {
        InputStream data = segment.data();
        data.skipNBytes(2); // chunk number and count: the segments come in order
        data.transferTo(profile);
      }
      return !ColorProfiles.isCS_sRGB(ICC_Profile.getInstance(profile.toByteArray()));
    } catch (IOException | RuntimeException e) {
      return true; // a profile the JDK path must judge
    }
  }

  /** Whether an APPn segment with this identifier comes before the image data, by walking the markers. */
  static boolean hasSegment(byte[] b, int marker, String identifier) {
    int p = 2;
    while (p + 4 <= b.length && (b[p] & 0xFF) == 0xFF) {
      int m = b[p + 1] & 0xFF;
      if (m == 0xDA || m == 0xD9) return false; // start of scan, end of image
      if (m == 0xFF) {
        p++;
        continue;
      }
      int len = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
      if (m == marker && len >= 2 + identifier.length() && p + 4 + identifier.length() <= b.length
          && new String(b, p + 4, identifier.length(), java.nio.charset.StandardCharsets.ISO_8859_1).equals(identifier)) {
        return true;
      }
      p += 2 + len;
    }
    return false;
  }

  /** The JDK (TwelveMonkeys ImageIO) decode, the path every format but plain JPEG takes, and JPEG's without libjpeg-turbo. */
  RgbImage decodeJdk(byte[] bytes) throws ImageSkippedException {
    ImageReader reader = readerFor(bytes);
    String format = formatName(reader);
    List<String> warnings = new ArrayList<>();
    try (ImageInputStream in = new ByteArrayImageInputStream(bytes)) {
      reader.setInput(in, true, true);
      int width;
      int height;
      try {
        width = reader.getWidth(0);
        height = reader.getHeight(0);
      } catch (IOException | RuntimeException e) {
        throw new ImageSkippedException("unreadable " + format + " header: " + message(e), e);
      }
      checkPixels(width, height);
      reader.addIIOReadWarningListener(new IIOReadWarningListener() {
        @Override
        public void warningOccurred(ImageReader source, String warning) {
          warnings.add(warning);
        }
      });
      BufferedImage image;
      try {
        image = reader.read(0);
      } catch (IOException | RuntimeException e) {
        throw new ImageSkippedException("corrupt or truncated " + format + ": " + message(e), e);
      }
      // the JDK's JPEG decoder fills a truncated file with gray and only warns; PIL refuses it
      for (String w : warnings) {
        if (isTruncation(w)) throw new ImageSkippedException("truncated " + format + ": " + w);
      }
      RgbImage rgb = toRgb(image);
      if (format.equals("JPEG")) rgb = Orientation.apply(rgb, exifOrientation(bytes));
      return rgb;
    } catch (IOException e) {
      throw new ImageSkippedException("unreadable " + format + ": " + message(e), e);
    } finally {
      reader.dispose();
    }
  }

  private static ImageReader readerFor(byte[] bytes) throws ImageSkippedException {
    try (ImageInputStream probe = new ByteArrayImageInputStream(bytes)) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(probe);
      if (!readers.hasNext()) {
        throw new ImageSkippedException("not an image: no decoder recognises its content");
      }
      return readers.next();
    } catch (IOException e) {
      throw new ImageSkippedException("unreadable: " + message(e), e);
    }
  }

  private static String formatName(ImageReader reader) {
    try {
      return reader.getFormatName().toUpperCase(Locale.ROOT).replace("JPG", "JPEG");
    } catch (IOException e) {
      return "image";
    }
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Any BufferedImage to packed 8-bit RGB, with fast paths for the layouts decoders produce. */
  static RgbImage toRgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] out = new int[w * h];
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    boolean indexed = cm instanceof IndexColorModel;
    if (!indexed && cm.getNumColorComponents() == 1) {
      // gray: replicate the sample (ImageIO's getRGB would apply a linear-gray gamma PIL does not)
      int bits = cm.getComponentSize(0);
      int[] samples = raster.getSamples(0, 0, w, h, 0, (int[]) null);
      int max = (1 << bits) - 1;
      for (int i = 0; i < samples.length; i++) {
        int v = bits >= 8 ? samples[i] >>> (bits - 8) : samples[i] * 255 / max;
        out[i] = (v << 16) | (v << 8) | v;
      }
    } else if (!indexed && cm.getColorSpace().isCS_sRGB()
        && raster.getDataBuffer() instanceof DataBufferByte db
        && raster.getSampleModel() instanceof ComponentSampleModel sm
        && sm.getNumBands() >= 3 && raster.getSampleModelTranslateX() == 0
        && raster.getSampleModelTranslateY() == 0) {
      // interleaved bytes (JPEG's 3BYTE_BGR, PNG's RGB/RGBA): read them directly, alpha dropped
      byte[] data = db.getData();
      int[] offsets = sm.getBandOffsets();
      int[] banks = sm.getBankIndices();
      int stride = sm.getScanlineStride();
      int pixelStride = sm.getPixelStride();
      if (banks[0] == 0 && banks[1] == 0 && banks[2] == 0 && db.getNumBanks() == 1) {
        int ro = offsets[0];
        int go = offsets[1];
        int bo = offsets[2];
        for (int y = 0; y < h; y++) {
          int p = y * stride;
          int o = y * w;
          for (int x = 0; x < w; x++, p += pixelStride) {
            out[o + x] = ((data[p + ro] & 0xFF) << 16) | ((data[p + go] & 0xFF) << 8) | (data[p + bo] & 0xFF);
          }
        }
      } else {
        image.getRGB(0, 0, w, h, out, 0, w);
        for (int i = 0; i < out.length; i++) out[i] &= 0xFFFFFF;
      }
    } else {
      // palette, 16-bit, packed ints, CMYK/ICC (already converted by the reader): Java2D converts
      image.getRGB(0, 0, w, h, out, 0, w);
      for (int i = 0; i < out.length; i++) out[i] &= 0xFFFFFF;
    }
    return new RgbImage(w, h, out);
  }

  /** The EXIF orientation tag (1..8) of a JPEG, 1 when it has none or it cannot be read. */
  static int exifOrientation(byte[] jpeg) {
    // most files carry no EXIF: a walk over the markers is far cheaper than the TIFF reader
    if (!hasSegment(jpeg, 0xE1, "Exif")) return 1;
    try (ImageInputStream in = new ByteArrayImageInputStream(jpeg)) {
      List<JPEGSegment> exif = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
      for (JPEGSegment segment : exif) {
        InputStream data = segment.data();
        if (data.read() == -1) continue; // the pad byte after "Exif\0"
        Directory dir = new TIFFReader().read(new MemoryCacheImageInputStream(data));
        Entry e = dir.getEntryById(TIFF.TAG_ORIENTATION);
        if (e != null && e.getValue() instanceof Number n) {
          int v = n.intValue();
          return v >= 1 && v <= 8 ? v : 1;
        }
      }
    } catch (IOException | RuntimeException e) {
      // broken EXIF is common in the wild; the pixels are still good, so keep them upright-as-stored
    }
    return 1;
  }
}
