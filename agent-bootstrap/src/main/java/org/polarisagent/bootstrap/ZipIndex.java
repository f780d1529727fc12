package org.polarisagent.bootstrap;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The entries of one zip archive that lies in a region of a file: the whole agent jar, or the SDK
 * archive stored (uncompressed) inside it. The central directory is read once into one byte array
 * with an open-addressing table over the entry names, so that a lookup creates no object and an
 * archive of 20,000 entries costs no more than its directory's bytes. Reads go through one {@link
 * RandomAccessFile}, one at a time: unlike a {@code FileChannel}, it is not closed for good when a
 * thread that happens to load a class has its interrupt flag set.
 *
 * <p>Supports what the build writes: entries stored or deflated, no zip64, no encryption. Anything
 * else, and any length or offset that points outside the archive, is refused with an {@link
 * IOException} naming it. Thread-safe once created.
 */
final class ZipIndex {

  private static final int END_SIGNATURE = 0x06054b50;
  private static final int CEN_SIGNATURE = 0x02014b50;
  private static final int LOC_SIGNATURE = 0x04034b50;
  private static final int END_SIZE = 22;
  private static final int CEN_SIZE = 46;
  private static final int LOC_SIZE = 30;
  private static final int MAX_COMMENT = 0xffff;
  private static final int STORED = 0;
  private static final int DEFLATED = 8;

  private final RandomAccessFile file;
  private final long start;
  private final long length;
  private final byte[] directory;
  private final int[] table;

  private ZipIndex(RandomAccessFile file, long start, long length, byte[] directory, int[] table) {
    this.file = file;
    this.start = start;
    this.length = length;
    this.directory = directory;
    this.table = table;
  }

  /**
   * Reads the central directory of the archive at {@code [start, start + length)} of the file.
   *
   * @throws IOException when the region is not an archive of the supported kind
   */
  static ZipIndex read(RandomAccessFile file, long start, long length) throws IOException {
    byte[] tail = new byte[(int) Math.min(length, END_SIZE + MAX_COMMENT)];
    readFully(file, start + length - tail.length, tail);
    int end = findEnd(tail);
    int entries = u16(tail, end + 10);
    long directorySize = u32(tail, end + 12);
    long directoryOffset = u32(tail, end + 16);
    if (entries == 0xffff || directorySize == 0xffffffffL || directoryOffset == 0xffffffffL) {
      throw new IOException("zip64 archives are not supported");
    }
    if (directoryOffset + directorySize > length || directorySize > Integer.MAX_VALUE) {
      throw new IOException("central directory lies outside the archive");
    }
    byte[] directory = new byte[(int) directorySize];
    readFully(file, start + directoryOffset, directory);
    int[] table = new int[tableSize(entries)];
    int position = 0;
    for (int i = 0; i < entries; i++) {
      if (position + CEN_SIZE > directory.length || u32(directory, position) != CEN_SIGNATURE) {
        throw new IOException("bad central directory entry " + i);
      }
      if ((u16(directory, position + 8) & 1) != 0) {
        throw new IOException("encrypted entries are not supported");
      }
      int nameLength = u16(directory, position + 28);
      int next =
          position
              + CEN_SIZE
              + nameLength
              + u16(directory, position + 30)
              + u16(directory, position + 32);
      if (next > directory.length) {
        throw new IOException("central directory entry " + i + " runs past the directory");
      }
      insert(table, directory, position, hash(directory, position + CEN_SIZE, nameLength));
      position = next;
    }
    return new ZipIndex(file, start, length, directory, table);
  }

  /** Whether the archive has an entry of this name. */
  boolean contains(String name) {
    return find(name) >= 0;
  }

  /** The bytes of the named entry, uncompressed, or null when there is no such entry. */
  byte[] read(String name) throws IOException {
    int entry = find(name);
    if (entry < 0) {
      return null;
    }
    int method = u16(directory, entry + 10);
    long compressedSize = u32(directory, entry + 20);
    long size = u32(directory, entry + 24);
    if (compressedSize > Integer.MAX_VALUE - 1 || size > Integer.MAX_VALUE - 1) {
      throw new IOException(name + " is too large");
    }
    long dataStart = dataStart(entry, name);
    if (dataStart - start + compressedSize > length) {
      throw new IOException(name + ": data runs past the archive");
    }
    if (method == STORED) {
      if (size != compressedSize) {
        throw new IOException(name + ": stored entry with two sizes");
      }
      byte[] stored = new byte[(int) size];
      readFully(file, dataStart, stored, stored.length);
      return stored;
    }
    if (method != DEFLATED) {
      throw new IOException(name + ": compression method " + method + " is not supported");
    }
    // One extra zero byte: the inflater needs it past the end of raw deflate data.
    byte[] data = new byte[(int) compressedSize + 1];
    readFully(file, dataStart, data, (int) compressedSize);
    return inflate(name, data, (int) size);
  }

  /**
   * Where the data of a stored entry lies in the file, as {@code {start, length}}: for an archive
   * kept uncompressed inside this one.
   *
   * @throws IOException when there is no such entry or it is compressed
   */
  long[] storedRegion(String name) throws IOException {
    int entry = find(name);
    if (entry < 0 || u16(directory, entry + 10) != STORED) {
      throw new IOException(name + " is not a stored entry of the agent jar");
    }
    return new long[] {dataStart(entry, name), u32(directory, entry + 24)};
  }

  private long dataStart(int entry, String name) throws IOException {
    long localOffset = u32(directory, entry + 42);
    if (localOffset + LOC_SIZE > length) {
      throw new IOException(name + ": local header lies outside the archive");
    }
    long local = start + localOffset;
    byte[] header = new byte[LOC_SIZE];
    readFully(file, local, header);
    if (u32(header, 0) != LOC_SIGNATURE) {
      throw new IOException(name + ": bad local header");
    }
    return local + LOC_SIZE + u16(header, 26) + u16(header, 28);
  }

  private int find(String name) {
    byte[] key = name.getBytes(StandardCharsets.UTF_8);
    int mask = table.length - 1;
    for (int slot = hash(key, 0, key.length) & mask; ; slot = (slot + 1) & mask) {
      int entry = table[slot] - 1;
      if (entry < 0) {
        return -1;
      }
      if (nameEquals(entry, key)) {
        return entry;
      }
    }
  }

  private boolean nameEquals(int entry, byte[] key) {
    if (u16(directory, entry + 28) != key.length) {
      return false;
    }
    int offset = entry + CEN_SIZE;
    for (int i = 0; i < key.length; i++) {
      if (directory[offset + i] != key[i]) {
        return false;
      }
    }
    return true;
  }

  /** Adds an entry unless one of the same name is there (the first of duplicates wins). */
  private static void insert(int[] table, byte[] directory, int entry, int hash) {
    int mask = table.length - 1;
    int nameLength = u16(directory, entry + 28);
    for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
      int other = table[slot] - 1;
      if (other < 0) {
        table[slot] = entry + 1;
        return;
      }
      if (u16(directory, other + 28) == nameLength
          && regionEquals(directory, other + CEN_SIZE, entry + CEN_SIZE, nameLength)) {
        return;
      }
    }
  }

  private static boolean regionEquals(byte[] bytes, int a, int b, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[a + i] != bytes[b + i]) {
        return false;
      }
    }
    return true;
  }

  private static int tableSize(int entries) {
    int size = 16;
    while (size < entries * 2) {
      size <<= 1;
    }
    return size;
  }

  private static int hash(byte[] bytes, int offset, int length) {
    int h = 0;
    for (int i = offset; i < offset + length; i++) {
      h = 31 * h + bytes[i];
    }
    return h ^ (h >>> 16);
  }

  private static int findEnd(byte[] tail) throws IOException {
    for (int i = tail.length - END_SIZE; i >= 0; i--) {
      if (u32(tail, i) == END_SIGNATURE && i + END_SIZE + u16(tail, i + 20) == tail.length) {
        return i;
      }
    }
    throw new IOException("not a zip archive (no end of central directory)");
  }

  private static byte[] inflate(String name, byte[] data, int size) throws IOException {
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(data);
      byte[] out = new byte[size];
      int done = 0;
      while (done < size) {
        int n = inflater.inflate(out, done, size - done);
        if (n == 0
            && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        done += n;
      }
      if (done != size) {
        throw new IOException(name + ": inflated " + done + " of " + size + " bytes");
      }
      return out;
    } catch (DataFormatException e) {
      throw new IOException(name + ": " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }

  private static void readFully(RandomAccessFile file, long position, byte[] into)
      throws IOException {
    readFully(file, position, into, into.length);
  }

  private static void readFully(RandomAccessFile file, long position, byte[] into, int length)
      throws IOException {
    synchronized (file) {
      if (position < 0 || position + length > file.length()) {
        throw new EOFException("agent jar ends early");
      }
      file.seek(position);
      file.readFully(into, 0, length);
    }
  }

  private static int u16(byte[] b, int i) {
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
  }

  private static long u32(byte[] b, int i) {
    return (u16(b, i) | (long) u16(b, i + 2) << 16) & 0xffffffffL;
  }
}
