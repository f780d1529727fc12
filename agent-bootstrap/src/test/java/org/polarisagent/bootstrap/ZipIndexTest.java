package org.polarisagent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    try (FileChannel file = FileChannel.open(jar, StandardOpenOption.READ)) {
      ZipIndex outerIndex = ZipIndex.read(file, 0, file.size());
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
  void aCompressedEntryIsNoRegionAndAFileThatIsNoArchiveIsRefused() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("inst/sdk.jar", "not stored".getBytes(UTF8));
    Path jar = dir.resolve("deflated.jar");
    Files.write(jar, zip(entries, ZipEntry.DEFLATED));
    Path text = dir.resolve("text.jar");
    Files.write(text, "plain text, no archive".getBytes(UTF8));

    try (FileChannel file = FileChannel.open(jar, StandardOpenOption.READ);
        FileChannel notZip = FileChannel.open(text, StandardOpenOption.READ)) {
      ZipIndex index = ZipIndex.read(file, 0, file.size());
      IOException compressed =
          assertThrows(IOException.class, () -> index.storedRegion("inst/sdk.jar"));
      assertTrue(compressed.getMessage().contains("not a stored entry"), compressed.getMessage());
      IOException refused =
          assertThrows(IOException.class, () -> ZipIndex.read(notZip, 0, notZip.size()));
      assertTrue(refused.getMessage().contains("not a zip archive"), refused.getMessage());
    }
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
