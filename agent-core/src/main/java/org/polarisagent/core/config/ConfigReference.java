package org.polarisagent.core.config;

/**
 * Renders the reference table of every configuration key, for {@code docs/configuration.md}.
 * Stateless.
 */
public final class ConfigReference {

  private ConfigReference() {}

  /** The whole generated document. */
  public static String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("# Configuration reference\n\n")
        .append(
            "<!-- Generated from AgentConfig.java by ConfigReferenceTest; do not edit by hand. -->\n\n")
        .append("Each key is read, highest precedence first, from the agent arguments")
        .append(
            " (`-javaagent:polaris-agent.jar=key=value,key=value`), a `-Dkey=value` system property,")
        .append(
            " the environment variable, the properties file named by `polaris.config.file`, then the")
        .append(
            " default. An invalid value is reported in one ERROR line naming the key, and the default is")
        .append(" used (for `polaris.address`: the agent stays away from Polaris).\n\n")
        .append("| Key | Environment variable | Default | Accepted | Meaning |\n")
        .append("|---|---|---|---|---|\n");
    for (ConfigKey<?> key : AgentConfig.keys()) {
      out.append("| `")
          .append(key.name())
          .append("` | `")
          .append(key.envName())
          .append("` | ")
          .append(key.defaultText().isEmpty() ? "(empty)" : "`" + key.defaultText() + "`")
          .append(" | ")
          .append(escape(key.type().accepted()))
          .append(" | ")
          .append(escape(key.description()))
          .append(" |\n");
    }
    return out.toString();
  }

  private static String escape(String text) {
    return text.replace("|", "\\|");
  }
}
