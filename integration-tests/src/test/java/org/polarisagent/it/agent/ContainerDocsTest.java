package org.polarisagent.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.config.ConfigKey;

/**
 * The README's container snippets (the fenced blocks of its "Containers" section) name only what
 * the agent reads: every environment variable is a key's variable from the agent's key registry
 * (the one docs/configuration.md is generated from), one the agent reads for the registered host,
 * or the JVM's {@code JAVA_TOOL_OPTIONS}; the agent is loaded from {@code JAVA_TOOL_OPTIONS} in
 * both.
 */
class ContainerDocsTest {

  private static final Pattern FENCE = Pattern.compile("(?ms)^```(\\w+)\\n(.*?)^```$");
  private static final Pattern YAML_ENV = Pattern.compile("(?m)^\\s*- name: (\\S+)\\s*$");
  private static final Pattern DOCKER_ENV = Pattern.compile("(?m)^ENV (\\w+)=");

  @Test
  void everyVariableTheContainerSnippetsNameIsOneTheAgentReads() throws IOException {
    List<String[]> blocks = containerSnippets();
    assertEquals(
        List.of("dockerfile", "yaml"),
        blocks.stream().map(block -> block[0]).collect(Collectors.toList()),
        "the Containers section's snippets");
    Set<String> accepted = new LinkedHashSet<>();
    for (ConfigKey<?> key : AgentConfig.keys()) {
      accepted.add(key.envName());
    }
    accepted.addAll(AgentConfig.INSTANCE_HOST_ENV);
    accepted.add("JAVA_TOOL_OPTIONS");

    for (String[] block : blocks) {
      Pattern env = block[0].equals("yaml") ? YAML_ENV : DOCKER_ENV;
      List<String> named = new ArrayList<>();
      Matcher matcher = env.matcher(block[1]);
      while (matcher.find()) {
        named.add(matcher.group(1));
      }
      assertTrue(named.contains("JAVA_TOOL_OPTIONS"), block[0] + ": " + named);
      assertTrue(
          block[1].contains("JAVA_TOOL_OPTIONS")
              && block[1].contains("-javaagent:/polaris-agent.jar"),
          block[1]);
      for (String name : named) {
        assertTrue(
            accepted.contains(name),
            name + " in the README's " + block[0] + " snippet is not read by the agent");
      }
    }
  }

  /** The language and text of each fenced block of the README's "## Containers" section. */
  private static List<String[]> containerSnippets() throws IOException {
    String readme =
        new String(Files.readAllBytes(readme()), StandardCharsets.UTF_8).replace("\r\n", "\n");
    int start = readme.indexOf("\n## Containers\n");
    assertTrue(start >= 0, "the README has no Containers section");
    int end = readme.indexOf("\n## ", start + 1);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    List<String[]> blocks = new ArrayList<>();
    Matcher fence = FENCE.matcher(section);
    while (fence.find()) {
      blocks.add(new String[] {fence.group(1), fence.group(2)});
    }
    return blocks;
  }

  /** The repository's README: two folders above the Polaris server script, set by surefire. */
  private static Path readme() {
    String serverScript = System.getProperty("polaris.server.script");
    Path module =
        serverScript == null
            ? Paths.get("").toAbsolutePath()
            : Paths.get(serverScript).toAbsolutePath().getParent().getParent();
    return module.getParent().resolve("README.md");
  }
}
