package org.polarisagent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipIndexTest {

  private static final Charset UTF8 = StandardCharsets.UTF_8;

  @TempDir Path dir;

  @Test
  void readsDeflatedAndStoredEntriesOfAnArchiveStoredInsideAnother() throws IOException {
    Map<String, byte[]> inner = new LinkedHashMap<>();
    Random random = new Random(7);
    for (int i = 0; i < 3000; i++) {
      byte[] content = new byte[random.nextInt(2000)];
      random.nextBytes(content);
      inner.put("com/example/p" + (i % 40) + "/Type" + i + ".class", content);
    }
    inner.put("META-INF/services/com.example.Plugin", "com.example.p1.Type1\n".getBytes(UTF8));
    inner.put("empty.txt", new byte[0]);
    inner.put("naïve/ünïcode.txt", "non-ASCII names are UTF-8".getBytes(UTF8));
    byte[] innerBytes = zip(inner, ZipEntry.DEFLATED);

    Map<String, byte[]> outer = new LinkedHashMap<>();
    outer.put("Bootstrap.class", new byte[] {1, 2, 3});
    outer.put("inst/own.classdata", "the agent's own".getBytes(UTF8));
    outer.put("inst/sdk.jar", innerBytes);
    Path jar = dir.resolve("agent.jar");
    Files.write(jar, zip(outer, ZipEntry.STORED));

    try (RandomAccessFile file = new RandomAccessFile(jar.toFile(), "r")) {
      ZipIndex outerIndex = ZipIndex.read(file, 0, file.length());
      assertArrayEquals(outer.get("inst/own.classdata"), outerIndex.read("inst/own.classdata"));
      assertFalse(outerIndex.contains("com/example/p1/Type1.class"));
      assertNull(outerIndex.read("absent"));

      long[] region = outerIndex.storedRegion("inst/sdk.jar");
      assertEquals(innerBytes.length, region[1]);
      ZipIndex sdk = ZipIndex.read(file, region[0], region[1]);
      for (Map.Entry<String, byte[]> entry : inner.entrySet()) {
        assertTrue(sdk.contains(entry.getKey()), entry.getKey());
        assertArrayEquals(entry.getValue(), sdk.read(entry.getKey()), entry.getKey());
      }
      assertNull(sdk.read("com/example/p1/Type1.clas"));
      assertNull(sdk.read("inst/own.classdata"));
    }
  }

  @Test
  void namesOfTheSameHashAreToldApartByTheirLocalHeaders() throws IOException {
    // "Aa" and "BB" hash alike (31 * 'A' + 'a' == 31 * 'B' + 'B'), as do "AaAa", "AaBB", "BBAa".
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("AaAa", "first".getBytes(UTF8));
    entries.put("BBAa", "second".getBytes(UTF8));
    entries.put("AaAa/", new byte[0]);
    Path jar = dir.resolve("alike.jar");
    Files.write(jar, zip(entries, ZipEntry.DEFLATED));
    try (RandomAccessFile file = new RandomAccessFile(jar.toFile(), "r")) {
      ZipIndex index = ZipIndex.read(file, 0, file.length());
      assertArrayEquals("first".getBytes(UTF8), index.read("AaAa"));
      assertArrayEquals("second".getBytes(UTF8), index.read("BBAa"));
      assertFalse(index.contains("AaBB"));
      assertNull(index.read("AaBB"));
    }
  }

  @Test
  void aCompressedEntryIsNoRegionAndAFileThatIsNoArchiveIsRefused() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("inst/sdk.jar", "not stored".getBytes(UTF8));
    Path jar = dir.resolve("deflated.jar");
    Files.write(jar, zip(entries, ZipEntry.DEFLATED));
    Path text = dir.resolve("text.jar");
    Files.write(text, "plain text, no archive".getBytes(UTF8));

    try (RandomAccessFile file = new RandomAccessFile(jar.toFile(), "r");
        RandomAccessFile notZip = new RandomAccessFile(text.toFile(), "r")) {
      ZipIndex index = ZipIndex.read(file, 0, file.length());
      IOException compressed =
          assertThrows(IOException.class, () -> index.storedRegion("inst/sdk.jar"));
      assertTrue(compressed.getMessage().contains("not a stored entry"), compressed.getMessage());
      IOException refused =
          assertThrows(IOException.class, () -> ZipIndex.read(notZip, 0, notZip.length()));
      assertTrue(refused.getMessage().contains("not a zip archive"), refused.getMessage());
    }
  }

  @Test
  void aThreadWithItsInterruptFlagSetReadsAndLeavesTheArchiveReadable() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("a.txt", "first".getBytes(UTF8));
    entries.put("b.txt", "second".getBytes(UTF8));
    Path jar = dir.resolve("interrupted.jar");
    Files.write(jar, zip(entries, ZipEntry.DEFLATED));
    try (RandomAccessFile file = new RandomAccessFile(jar.toFile(), "r")) {
      ZipIndex index = ZipIndex.read(file, 0, file.length());
      Thread.currentThread().interrupt();
      try {
        assertArrayEquals(entries.get("a.txt"), index.read("a.txt"));
        assertTrue(Thread.currentThread().isInterrupted(), "the flag is the caller's to clear");
      } finally {
        Thread.interrupted();
      }
      assertArrayEquals(entries.get("b.txt"), index.read("b.txt"));
    }
  }

  @Test
  void lengthsThatPointOutsideTheArchiveAreRefusedAsIoExceptions() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("entry.txt", "content".getBytes(UTF8));
    byte[] good = zip(entries, ZipEntry.STORED);
    int directory = lastIndexOf(good, new byte[] {0x50, 0x4b, 0x01, 0x02});

    byte[] longName = good.clone();
    longName[directory + 28] = (byte) 0xff; // the name runs past the directory
    assertRefused(longName, "runs past the directory", null);

    byte[] farData = good.clone();
    farData[directory + 42] = (byte) 0xf0; // the local header lies past the end
    assertRefused(farData, "local header lies outside", "entry.txt");

    byte[] twoSizes = good.clone();
    twoSizes[directory + 24] = 100; // a stored entry whose sizes differ
    assertRefused(twoSizes, "two sizes", "entry.txt");
  }

  private void assertRefused(byte[] archive, String why, String entry) throws IOException {
    Path jar = Files.createTempFile(dir, "bad", ".jar");
    Files.write(jar, archive);
    try (RandomAccessFile file = new RandomAccessFile(jar.toFile(), "r")) {
      IOException refused =
          assertThrows(
              IOException.class,
              () -> {
                ZipIndex index = ZipIndex.read(file, 0, file.length());
                index.read(entry);
              });
      assertTrue(refused.getMessage().contains(why), refused.getMessage());
    }
  }

  private static int lastIndexOf(byte[] bytes, byte[] pattern) {
    for (int i = bytes.length - pattern.length; i >= 0; i--) {
      boolean match = true;
      for (int j = 0; j < pattern.length && match; j++) {
        match = bytes[i + j] == pattern[j];
      }
      if (match) {
        return i;
      }
    }
    throw new AssertionError("pattern not found");
  }

  private static byte[] zip(Map<String, byte[]> entries, int method) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        ZipEntry zipEntry = new ZipEntry(entry.getKey());
        zipEntry.setMethod(method);
        if (method == ZipEntry.STORED) {
          CRC32 crc = new CRC32();
          crc.update(entry.getValue());
          zipEntry.setSize(entry.getValue().length);
          zipEntry.setCrc(crc.getValue());
        }
        out.putNextEntry(zipEntry);
        out.write(entry.getValue());
        out.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
