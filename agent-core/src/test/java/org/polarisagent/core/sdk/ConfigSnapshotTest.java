package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tencent.polaris.factory.config.ConfigurationImpl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import shade.polaris.com.fasterxml.jackson.databind.ObjectMapper;

class ConfigSnapshotTest {

  static byte[] write(Object root) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ConfigSnapshot.write(root, out);
    return out.toByteArray();
  }

  static Object read(byte[] snapshot) throws IOException {
    return ConfigSnapshot.read(
        new ByteArrayInputStream(snapshot), ConfigSnapshotTest.class.getClassLoader());
  }

  @Test
  void theAgentDefaultsReadBackEqual() throws IOException {
    ConfigurationImpl defaults = SdkDefaults.compute();
    ConfigurationImpl copy = (ConfigurationImpl) read(write(defaults));
    assertNotSame(defaults, copy);
    ObjectMapper json = new ObjectMapper();
    // As trees: a plugin's configurations sit in a map its constructor makes, whose order may
    // differ.
    assertEquals(
        json.readTree(json.writeValueAsString(defaults)),
        json.readTree(json.writeValueAsString(copy)));
    copy.getGlobal().getServerConnector().setAddresses(Arrays.asList("127.0.0.1:8091"));
    copy.verify();
  }

  @Test
  void sharedObjectsStayShared() throws IOException {
    Pair pair = new Pair();
    pair.left = new ArrayList<>(Arrays.asList("a", 1, 2L, true, 0.5, Kind.ONE, null));
    pair.right = pair.left;
    Pair copy = (Pair) read(write(pair));
    assertEquals(pair.left, copy.left);
    assertSame(copy.left, copy.right);
  }

  @Test
  void aTruncatedSnapshotFails() throws IOException {
    byte[] snapshot = write(SdkDefaults.compute());
    assertThrows(IOException.class, () -> read(Arrays.copyOf(snapshot, snapshot.length / 2)));
    assertThrows(IOException.class, () -> read("garbage".getBytes(StandardCharsets.UTF_8)));
  }

  /** As if the class had changed since the snapshot: a field is gone, another is new. */
  @Test
  void aClassWhoseFieldsChangedFails() throws IOException {
    String written = new String(write(new Alpha()), StandardCharsets.ISO_8859_1);
    byte[] changed = written.replace("$Alpha", "$Bravo").getBytes(StandardCharsets.ISO_8859_1);
    assertThrows(IOException.class, () -> read(changed));
  }

  @Test
  void anUnsupportedValueFailsAtWriting() {
    Pair pair = new Pair();
    pair.left = new ArrayList<>(Arrays.asList(new Date()));
    assertThrows(IOException.class, () -> write(pair));
  }

  enum Kind {
    ONE
  }

  static final class Pair {
    List<Object> left;
    List<Object> right;
  }

  static final class Alpha {
    String name = "x";
    int count = 1;
  }

  static final class Bravo {
    String name;
    int total;
  }
}
