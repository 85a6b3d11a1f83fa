package io.warden.tracestore.clickhouse;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ClickHouse JDBC URL split into the part before the database, the database and the rest, so the
 * store can open a bootstrap connection to {@code default} that creates the database.
 *
 * @param url the URL as configured
 * @param database the database named in the path, or {@code default}
 * @param bootstrapUrl the same URL with {@code default} as its database
 */
record ClickHouseUrl(String url, String database, String bootstrapUrl) {
  private static final Pattern URL = Pattern.compile(
      "^(jdbc:(?:clickhouse|ch)(?::(?:http|https))?://[^/?#\\s]+)(/[^?#]*)?([?#].*)?$");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  static ClickHouseUrl parse(String url) {
    Matcher m = URL.matcher(url);
    if (!m.matches()) {
      throw new IllegalArgumentException("trace_store.clickhouse.url must be a ClickHouse JDBC URL like "
          + "jdbc:clickhouse://127.0.0.1:8123/warden, got '" + url + "'");
    }
    String path = m.group(2) == null ? "" : m.group(2);
    String database = path.replaceAll("^/+|/+$", "");
    if (database.isEmpty()) {
      database = "default";
    }
    if (!IDENTIFIER.matcher(database).matches()) {
      throw new IllegalArgumentException("trace_store.clickhouse.url names database '" + database
          + "'; use letters, digits and underscores, not starting with a digit");
    }
    String rest = m.group(3) == null ? "" : m.group(3);
    return new ClickHouseUrl(url, database, m.group(1) + "/default" + rest);
  }

  /** The URL with any {@code password=...} parameter masked, for messages and logs. */
  String redacted() {
    return url.replaceAll("(?i)(password=)[^&#]*", "$1***").replaceAll("//([^:/@]+):[^@/]*@", "//$1:***@");
  }
}
