package io.warden.ui.internal;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.Html;
import com.vaadin.flow.component.html.Pre;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.notification.NotificationVariant;
import io.warden.core.WardenException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small things every page shows the same way: times, money, status badges, errors. Internal. */
public final class Pages {
  private static final Logger log = LoggerFactory.getLogger(Pages.class);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Pages() {}

  public static String time(@Nullable Instant t) {
    return t == null ? "" : TIME.format(t);
  }

  public static String usd(@Nullable BigDecimal v) {
    return v == null ? "" : "$" + v.setScale(v.scale() > 4 ? 4 : Math.max(v.scale(), 2), RoundingMode.HALF_UP).toPlainString();
  }

  /** A colored label: {@code success}, {@code error}, {@code contrast} or "" for the default. */
  public static Span badge(String text, String variant) {
    Span s = new Span(text);
    s.getElement().getThemeList().add("badge");
    if (!variant.isEmpty()) {
      s.getElement().getThemeList().add(variant);
    }
    return s;
  }

  /** Preformatted text (YAML, JSON, a diff). */
  public static Pre pre(String text) {
    Pre pre = new Pre(text);
    pre.getStyle().set("white-space", "pre-wrap").set("font-size", "var(--lumo-font-size-s)")
        .set("background", "var(--lumo-contrast-5pct)").set("padding", "var(--lumo-space-s)")
        .set("border-radius", "var(--lumo-border-radius-m)").set("margin", "0");
    return pre;
  }

  /** A unified diff with added lines green and removed lines red; the text is escaped. */
  public static Component diff(String unified) {
    StringBuilder html = new StringBuilder("<pre style=\"white-space:pre-wrap;font-size:var(--lumo-font-size-s);"
        + "background:var(--lumo-contrast-5pct);padding:var(--lumo-space-s);margin:0\">");
    for (String line : unified.split("\n", -1)) {
      String color = line.startsWith("+") && !line.startsWith("+++") ? "var(--lumo-success-text-color)"
          : line.startsWith("-") && !line.startsWith("---") ? "var(--lumo-error-text-color)"
          : line.startsWith("@@") || line.startsWith("diff ") ? "var(--lumo-primary-text-color)" : "";
      html.append(color.isEmpty() ? "<span>" : "<span style=\"color:" + color + "\">")
          .append(escape(line)).append("</span>\n");
    }
    return new Html(html.append("</pre>").toString());
  }

  public static String escape(String text) {
    StringBuilder sb = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * Runs an action a user asked for; a refusal or failure is shown as what it is (the service's
   * message: "role approver required", "checks have not run", ...) instead of an error page.
   *
   * @return the action's result, or null when it failed
   */
  public static <T> @Nullable T act(Supplier<T> action) {
    try {
      return action.get();
    } catch (WardenException e) {
      error(e.getMessage());
    } catch (RuntimeException e) {
      log.warn("console action failed", e);
      error("failed: " + e.getMessage());
    }
    return null;
  }

  public static void error(String message) {
    Notification n = Notification.show(message, 8000, Notification.Position.TOP_CENTER);
    n.addThemeVariants(NotificationVariant.LUMO_ERROR);
    n.setId("console-error");
  }

  public static void done(String message) {
    Notification n = Notification.show(message, 4000, Notification.Position.TOP_CENTER);
    n.addThemeVariants(NotificationVariant.LUMO_SUCCESS);
  }

  /** A page's plain statement that a part of Warden it would show is not there. */
  public static Span notAvailable(String what) {
    Span s = new Span(what);
    s.addClassName("not-available");
    s.getStyle().set("color", "var(--lumo-secondary-text-color)");
    return s;
  }
}
