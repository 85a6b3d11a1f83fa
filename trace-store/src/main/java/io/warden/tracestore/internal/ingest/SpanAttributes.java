package io.warden.tracestore.internal.ingest;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.warden.core.trace.Delegation;
import io.warden.tracestore.internal.ingest.AttributeMappings.Field;
import io.warden.tracestore.internal.otlp.Otlp;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The values of the attributes that mapping reads by name (every non-text row of
 * {@link AttributeMappings#TABLE} and Warden's own attributes), noted in the one pass the mapper
 * makes over a span's attributes: each name has a slot of a small array, so the ~50 "does the span
 * carry X" questions of a span's mapping are array reads, and no map of the span's attributes is
 * built per span. A later attribute of the same name wins, as the OTLP specification leaves
 * duplicates undefined.
 *
 * <p>Internal: not public API. One instance per span; not thread-safe.
 */
final class SpanAttributes {
  /** Warden's own attributes that mapping reads, besides the table's. */
  private static final List<String> WARDEN_NAMES = List.of(SpanMapper.WARDEN_INTENT, SpanMapper.WARDEN_CHAIN,
      SpanMapper.WARDEN_COST, SpanMapper.COST_TOKENS, SpanMapper.COST_ACTIONS, SpanMapper.COST_COMPUTE,
      SpanMapper.WARDEN_REVISION, Delegation.ATTRIBUTE);

  private static final Map<String, Integer> SLOTS = new HashMap<>();
  private static final List<String> NAMES = new ArrayList<>();
  private static final Map<Field, int[]> FIELD_SLOTS = new EnumMap<>(Field.class);

  static {
    for (Field f : Field.values()) {
      List<String> keys = AttributeMappings.keys(f);
      int[] slots = new int[keys.size()];
      for (int i = 0; i < slots.length; i++) {
        slots[i] = slot(keys.get(i));
      }
      FIELD_SLOTS.put(f, slots);
    }
    WARDEN_NAMES.forEach(SpanAttributes::slot);
  }

  private static int slot(String name) {
    return SLOTS.computeIfAbsent(name, n -> {
      NAMES.add(n);
      return NAMES.size() - 1;
    });
  }

  private final AnyValue[] values = new AnyValue[NAMES.size()];

  /** Notes the attribute if mapping reads it by name. */
  void offer(String key, AnyValue value) {
    Integer slot = SLOTS.get(key);
    if (slot != null) {
      values[slot] = value;
    }
  }

  /** The value of {@code name}, or null when the span does not carry it. */
  AnyValue get(String name) {
    Integer slot = SLOTS.get(name);
    if (slot == null) {
      throw new IllegalArgumentException("mapping does not read the attribute '" + name + "' by name");
    }
    return values[slot];
  }

  /** The value of {@code name} as {@link Otlp#string} gives it, "" when absent. */
  String str(String name) {
    return Otlp.string(get(name));
  }

  /** The first of {@code field}'s attributes, in the table's order, that the span carries, or null. */
  String firstKey(Field field) {
    for (int slot : FIELD_SLOTS.get(field)) {
      if (values[slot] != null) {
        return NAMES.get(slot);
      }
    }
    return null;
  }
}
