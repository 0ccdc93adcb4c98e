package dev.headstart.extract;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image files (JPEG, PNG, BMP, GIF first frame, WebP, through ImageIO with the
 * TwelveMonkeys plugins) to 8-bit RGB, the way torchvision's PIL loader sees them after
 * {@code convert("RGB")}: gray replicated, palette looked up, 16-bit reduced to its high byte,
 * alpha dropped. JPEG EXIF orientation is applied. The pixel limit is checked from the header, so
 * a decompression bomb is refused before a single pixel is allocated. Thread-safe: every call
 * uses its own reader.
 */
public final class ImageDecoder {
  static {
    // the shaded jar and test class paths both register the TwelveMonkeys readers through SPI
    ImageIO.scanForPlugins();
    ImageIO.setUseCache(false);
  }

  private final long maxPixels;

  public ImageDecoder(long maxPixels) {
    this.maxPixels = maxPixels;
  }

  public RgbImage decode(Path file) throws ImageSkippedException, IOException {
    return decode(Files.readAllBytes(file));
  }

  /** Decodes the bytes of one image file; a reason to skip it is thrown as ImageSkippedException. */
  public RgbImage decode(byte[] bytes) throws ImageSkippedException {
    if (bytes.length == 0) throw new ImageSkippedException("empty file (0 bytes)");
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
      long pixels = (long) width * height;
      if (pixels > maxPixels) {
        throw new ImageSkippedException("too large: " + width + "x" + height + " = " + pixels
            + " pixels, over extract.max_pixels = " + maxPixels);
      }
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
        if (w.toLowerCase(Locale.ROOT).contains("premature end") || w.toLowerCase(Locale.ROOT).contains("truncat")) {
          throw new ImageSkippedException("truncated " + format + ": " + w);
        }
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
