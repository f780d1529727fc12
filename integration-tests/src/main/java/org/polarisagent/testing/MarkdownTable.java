package org.polarisagent.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A Markdown table for the benchmark reports: a header, then rows padded to its width. Not
 * thread-safe.
 */
public final class MarkdownTable {

  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  public MarkdownTable(String... header) {
    columns = header.length;
    rows.add(header);
  }

  /** Adds a row; missing cells are left empty. */
  public void row(String... cells) {
    String[] padded = new String[columns];
    for (int i = 0; i < columns; i++) {
      padded[i] = i < cells.length ? cells[i] : "";
    }
    rows.add(padded);
  }

  /** The rows as added. */
  public String render() {
    return render(rows);
  }

  /**
   * The rows in the order of their figure number (the first cell's leading digits), then as added.
   */
  public String renderByFigure() {
    List<String[]> sorted = new ArrayList<>(rows.subList(1, rows.size()));
    sorted.sort(
        Comparator.comparingInt(row -> Integer.parseInt(("0" + row[0]).replaceAll("\\D.*", ""))));
    sorted.add(0, rows.get(0));
    return render(sorted);
  }

  private String render(List<String[]> lines) {
    StringBuilder text = new StringBuilder();
    for (int r = 0; r < lines.size(); r++) {
      text.append("| ").append(String.join(" | ", lines.get(r))).append(" |\n");
      if (r == 0) {
        text.append("|").append("---|".repeat(columns)).append('\n');
      }
    }
    return text.toString();
  }
}
