package dev.headstart.extract;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * JPEG decoding by libjpeg-turbo's TurboJPEG API (Debian: {@code apt-get install libturbojpeg0}),
 * called through JNA: the same library and the same default settings (integer "islow" IDCT, fancy
 * chroma upsampling) Pillow decodes with, and SIMD code the JDK's decoder lacks. Optional: when the
 * library cannot be loaded {@link #available()} is false and {@link ImageDecoder} decodes with the
 * JDK as before. Thread-safe: every call opens and closes its own TurboJPEG handle.
 */
final class TurboJpeg {
  /** TurboJPEG's colour spaces of a JPEG (tjDecompressHeader3). */
  static final int CS_RGB = 0;
  static final int CS_YCBCR = 1;
  static final int CS_GRAY = 2;
  static final int CS_CMYK = 3;
  static final int CS_YCCK = 4;
  private static final int TJERR_WARNING = 0;
  // the packed int RgbImage holds (0x..RRGGBB) read straight from the pixel buffer: B,G,R,X bytes
  // on a little-endian machine, X,R,G,B on a big-endian one
  private static final int PIXEL_FORMAT = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 3 /* TJPF_BGRX */
      : 5 /* TJPF_XRGB */;

  /** The TurboJPEG 2.x functions used (present since libjpeg-turbo 2.0). */
  interface Lib extends Library {
    Pointer tjInitDecompress();

    int tjDecompressHeader3(Pointer handle, Pointer jpeg, NativeLong size, IntByReference width,
        IntByReference height, IntByReference subsamp, IntByReference colorspace);

    int tjDecompress2(Pointer handle, Pointer jpeg, NativeLong size, Pointer dst, int width, int pitch, int height,
        int pixelFormat, int flags);

    String tjGetErrorStr2(Pointer handle);

    int tjGetErrorCode(Pointer handle);

    int tjDestroy(Pointer handle);
  }

  private static final Lib LIB;
  private static final String LOAD_ERROR;

  static {
    Lib lib = null;
    String error = null;
    // the JDK path on purpose (tests and benches of the fallback); the variable reaches child JVMs too
    if (Boolean.getBoolean("headstart.turbojpeg.disable")) {
      error = "disabled by -Dheadstart.turbojpeg.disable=true";
    } else if ("off".equals(System.getenv("HEADSTART_TURBOJPEG"))) {
      error = "disabled by HEADSTART_TURBOJPEG=off";
    } else {
      // Debian's libturbojpeg0 ships only the versioned name; the -dev package adds libturbojpeg.so
      for (String name : new String[] {"turbojpeg", "libturbojpeg.so.0"}) {
        try {
          lib = Native.load(name, Lib.class);
          break;
        } catch (UnsatisfiedLinkError e) {
          error = e.getMessage();
        }
      }
    }
    LIB = lib;
    LOAD_ERROR = lib == null ? error : null;
  }

  private TurboJpeg() {}

  static boolean available() {
    return LIB != null;
  }

  /** Why the library is not used, null when it is. */
  static String unavailableReason() {
    return LIB == null ? "libturbojpeg not loaded (" + LOAD_ERROR + "); install it: apt-get install libturbojpeg0"
        : null;
  }

  /** A JPEG's header: size, chroma subsampling and colour space. */
  record Header(int width, int height, int subsampling, int colorspace) {}

  /** Decoded pixels, and libjpeg's warning when it had one (null when none). */
  record Decoded(RgbImage image, String warning) {}

  /** A decode that gave no pixels: a broken file, or a JPEG feature the TurboJPEG API lacks (12-bit). */
  static final class JpegException extends Exception {
    JpegException(String message) {
      super(message);
    }
  }

  /** An open decode of one file's bytes (copied once to native memory for header and pixels). */
  static final class Decompressor implements AutoCloseable {
    private final Pointer handle;
    private final Memory jpeg;

    Decompressor(byte[] bytes) {
      handle = LIB.tjInitDecompress();
      if (handle == null) throw new IllegalStateException("tjInitDecompress failed: out of memory?");
      jpeg = new Memory(bytes.length);
      jpeg.write(0, bytes, 0, bytes.length);
    }

    Header header() throws JpegException {
      IntByReference w = new IntByReference();
      IntByReference h = new IntByReference();
      IntByReference sub = new IntByReference();
      IntByReference cs = new IntByReference();
      if (LIB.tjDecompressHeader3(handle, jpeg, new NativeLong(jpeg.size()), w, h, sub, cs) != 0) {
        throw new JpegException(LIB.tjGetErrorStr2(handle));
      }
      return new Header(w.getValue(), h.getValue(), sub.getValue(), cs.getValue());
    }

    /**
     * Decodes at 1/scale of the header's size (scale 1, 2, 4 or 8: libjpeg's scaled IDCT, as
     * Pillow's draft mode) to packed RGB. A warning (libjpeg carries on past it) comes back with the
     * pixels, so the caller decides: a premature end is a truncated file, others are not.
     */
    Decoded decode(Header header, int scale) throws JpegException {
      int w = (header.width() + scale - 1) / scale; // TJSCALED: ceil(size * 1 / scale)
      int h = (header.height() + scale - 1) / scale;
      int n = Math.multiplyExact(w, h);
      Memory dst = new Memory(4L * n);
      try {
        int rc = LIB.tjDecompress2(handle, jpeg, new NativeLong(jpeg.size()), dst, w, 0, h, PIXEL_FORMAT, 0);
        String warning = null;
        if (rc != 0) {
          warning = LIB.tjGetErrorStr2(handle);
          if (LIB.tjGetErrorCode(handle) != TJERR_WARNING) throw new JpegException(warning);
        }
        int[] px = new int[n];
        dst.read(0, px, 0, n);
        for (int i = 0; i < n; i++) px[i] &= 0xFFFFFF;
        return new Decoded(new RgbImage(w, h, px), warning);
      } finally {
        dst.close();
      }
    }

    @Override
    public void close() {
      jpeg.close();
      LIB.tjDestroy(handle);
    }
  }

  static String colorspaceName(int cs) {
    return switch (cs) {
      case CS_RGB -> "RGB";
      case CS_YCBCR -> "YCbCr";
      case CS_GRAY -> "gray";
      case CS_CMYK -> "CMYK";
      case CS_YCCK -> "YCCK";
      default -> String.format(Locale.ROOT, "colour space %d", cs);
    };
  }
}
