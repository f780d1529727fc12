package org.polarisagent.bootstrap;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The entries of one zip archive that lies in a region of a file: the whole agent jar, or the SDK
 * archive stored (uncompressed) inside it. The central directory is read once; of each entry the
 * index keeps a hash of its name, where its local header lies, its sizes and its compression, in
 * arrays with an open-addressing table over the hashes (for the SDK's 23,000 entries some 0.7 MB
 * instead of the directory's 2.6 MB for the JVM's life). A lookup checks the name against the
 * entry's local header: a read of the archive, which reading the entry needs anyway but which makes
 * {@link #contains} cost a read too (an entry whose local header names it otherwise than the
 * central directory, which the build never writes, is not found). Reads go through one {@link
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
  private final int[] table;
  private final int[] hashes;
  private final int[] localOffsets;
  private final int[] compressedSizes;
  private final int[] sizes;
  private final short[] methods;

  private ZipIndex(
      RandomAccessFile file,
      long start,
      long length,
      int[] table,
      int[] hashes,
      int[] localOffsets,
      int[] compressedSizes,
      int[] sizes,
      short[] methods) {
    this.file = file;
    this.start = start;
    this.length = length;
    this.table = table;
    this.hashes = hashes;
    this.localOffsets = localOffsets;
    this.compressedSizes = compressedSizes;
    this.sizes = sizes;
    this.methods = methods;
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
    int[] positions = new int[entries];
    int[] hashes = new int[entries];
    int[] localOffsets = new int[entries];
    int[] compressedSizes = new int[entries];
    int[] sizes = new int[entries];
    short[] methods = new short[entries];
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
      positions[i] = position;
      hashes[i] = hash(directory, position + CEN_SIZE, nameLength);
      methods[i] = (short) u16(directory, position + 10);
      compressedSizes[i] = (int) u32(directory, position + 20);
      sizes[i] = (int) u32(directory, position + 24);
      localOffsets[i] = (int) u32(directory, position + 42);
      insert(table, directory, positions, hashes, i);
      position = next;
    }
    return new ZipIndex(
        file, start, length, table, hashes, localOffsets, compressedSizes, sizes, methods);
  }

  /** Whether the archive has an entry of this name. */
  boolean contains(String name) throws IOException {
    return locate(name) != null;
  }

  /** The bytes of the named entry, uncompressed, or null when there is no such entry. */
  byte[] read(String name) throws IOException {
    Located at = locate(name);
    if (at == null) {
      return null;
    }
    int method = methods[at.entry] & 0xffff;
    long compressedSize = compressedSizes[at.entry] & 0xffffffffL;
    long size = sizes[at.entry] & 0xffffffffL;
    if (compressedSize > Integer.MAX_VALUE - 1 || size > Integer.MAX_VALUE - 1) {
      throw new IOException(name + " is too large");
    }
    if (at.dataStart - start + compressedSize > length) {
      throw new IOException(name + ": data runs past the archive");
    }
    if (method == STORED) {
      if (size != compressedSize) {
        throw new IOException(name + ": stored entry with two sizes");
      }
      byte[] stored = new byte[(int) size];
      readFully(file, at.dataStart, stored, stored.length);
      return stored;
    }
    if (method != DEFLATED) {
      throw new IOException(name + ": compression method " + method + " is not supported");
    }
    // One extra zero byte: the inflater needs it past the end of raw deflate data.
    byte[] data = new byte[(int) compressedSize + 1];
    readFully(file, at.dataStart, data, (int) compressedSize);
    return inflate(name, data, (int) size);
  }

  /**
   * Where the data of a stored entry lies in the file, as {@code {start, length}}: for an archive
   * kept uncompressed inside this one.
   *
   * @throws IOException when there is no such entry or it is compressed
   */
  long[] storedRegion(String name) throws IOException {
    Located at = locate(name);
    if (at == null || methods[at.entry] != STORED) {
      throw new IOException(name + " is not a stored entry of the agent jar");
    }
    return new long[] {at.dataStart, sizes[at.entry] & 0xffffffffL};
  }

  /** An entry found by its name, and where its data starts in the file. */
  private static final class Located {
    final int entry;
    final long dataStart;

    Located(int entry, long dataStart) {
      this.entry = entry;
      this.dataStart = dataStart;
    }
  }

  private Located locate(String name) throws IOException {
    byte[] key = name.getBytes(StandardCharsets.UTF_8);
    int hash = hash(key, 0, key.length);
    int mask = table.length - 1;
    for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
      int entry = table[slot] - 1;
      if (entry < 0) {
        return null;
      }
      if (hashes[entry] == hash) {
        long dataStart = dataStartIfNamed(entry, key, name);
        if (dataStart >= 0) {
          return new Located(entry, dataStart);
        }
      }
    }
  }

  /**
   * Where the entry's data starts in the file if its local header names {@code key}; -1 if it names
   * another entry (whose name has the same hash).
   */
  private long dataStartIfNamed(int entry, byte[] key, String name) throws IOException {
    long localOffset = localOffsets[entry] & 0xffffffffL;
    if (localOffset + LOC_SIZE > length) {
      throw new IOException(name + ": local header lies outside the archive");
    }
    long local = start + localOffset;
    byte[] header = new byte[(int) Math.min(LOC_SIZE + key.length, length - localOffset)];
    readFully(file, local, header);
    if (u32(header, 0) != LOC_SIGNATURE) {
      throw new IOException(name + ": bad local header");
    }
    if (u16(header, 26) != key.length) {
      return -1;
    }
    if (header.length < LOC_SIZE + key.length) {
      throw new IOException(name + ": local header runs past the archive");
    }
    for (int i = 0; i < key.length; i++) {
      if (header[LOC_SIZE + i] != key[i]) {
        return -1;
      }
    }
    return local + LOC_SIZE + key.length + u16(header, 28);
  }

  /** Adds an entry unless one of the same name is there (the first of duplicates wins). */
  private static void insert(
      int[] table, byte[] directory, int[] positions, int[] hashes, int entry) {
    int mask = table.length - 1;
    for (int slot = hashes[entry] & mask; ; slot = (slot + 1) & mask) {
      int other = table[slot] - 1;
      if (other < 0) {
        table[slot] = entry + 1;
        return;
      }
      if (hashes[other] == hashes[entry]
          && sameName(directory, positions[other], positions[entry])) {
        return;
      }
    }
  }

  private static boolean sameName(byte[] directory, int a, int b) {
    int length = u16(directory, a + 28);
    return length == u16(directory, b + 28)
        && regionEquals(directory, a + CEN_SIZE, b + CEN_SIZE, length);
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
