package io.warden.executors.gateway.internal;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one Chat Completions stream chunk (or whole answer) says that the gateway reads — model,
 * id, fingerprint, each choice's text, reasoning and finish reason, usage, an error — read with a
 * streaming parser, not as a tree: a relayed stream has one chunk per token or so, and a tree per
 * chunk was most of what the gateway allocated per stream. It reads as {@link Metering#openAi}
 * reads the tree of the same chunk (the last of repeated fields counts); a chunk of another shape
 * (choices that are not an array) is left to the tree ({@link #read} says false).
 *
 * <p>Internal: not public API. Not thread-safe: one per stream, reused for each of its chunks.
 */
final class ChatChunk {
  /** Top-level text fields: the last value when it is a string, otherwise null. */
  @Nullable String model;
  @Nullable String id;
  @Nullable String fingerprint;
  /** The {@code usage} and {@code error} values (null when absent; usage counts only when an object). */
  @Nullable JsonNode usage;
  @Nullable JsonNode error;
  /** The last model, id and fingerprint read: every chunk of a stream repeats them, read once as strings. */
  private @Nullable String lastModel;
  private @Nullable String lastId;
  private @Nullable String lastFingerprint;
  /** Whether {@code choices} is absent, null or an empty array. */
  boolean noChoices;
  /** The choices read; only the first {@link #choiceCount} are this chunk's (the rest are reused). */
  final List<Choice> choices = new ArrayList<>(2);
  int choiceCount;

  /** One choice: its delta's (or, without a delta, its message's) text fields; null when not strings. */
  static final class Choice {
    boolean hasDelta;
    @Nullable String deltaContent;
    @Nullable String deltaReasoningContent;
    @Nullable String deltaReasoning;
    @Nullable String messageContent;
    @Nullable String messageReasoningContent;
    @Nullable String messageReasoning;
    @Nullable String finishReason;

    @Nullable String content() {
      return hasDelta ? deltaContent : messageContent;
    }

    @Nullable String reasoningContent() {
      return hasDelta ? deltaReasoningContent : messageReasoningContent;
    }

    @Nullable String reasoning() {
      return hasDelta ? deltaReasoning : messageReasoning;
    }

    private void clear() {
      hasDelta = false;
      deltaContent = deltaReasoningContent = deltaReasoning = null;
      messageContent = messageReasoningContent = messageReasoning = null;
      finishReason = null;
    }
  }

  /**
   * Reads the chunk {@code b[from, to)} (its first JSON value; what follows is ignored, as
   * {@link ObjectMapper#readTree} ignores it). False when the chunk is to be read as a tree instead.
   *
   * @throws IOException when it is not JSON
   */
  boolean read(ObjectMapper json, byte[] b, int from, int to) throws IOException {
    model = id = fingerprint = null;
    usage = error = null;
    noChoices = true;
    choiceCount = 0;
    try (JsonParser p = json.createParser(b, from, to - from)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        if (t != null) {
          p.skipChildren(); // not an object: nothing in it is read (a tree of it says nothing), but it is JSON
        }
        return true;
      }
      while ((t = token(p)) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        t = token(p);
        switch (field) {
          case "model" -> model = t == JsonToken.VALUE_STRING ? (lastModel = text(p, lastModel)) : skip(p);
          case "id" -> id = t == JsonToken.VALUE_STRING ? (lastId = text(p, lastId)) : skip(p);
          case "system_fingerprint" ->
              fingerprint = t == JsonToken.VALUE_STRING ? (lastFingerprint = text(p, lastFingerprint)) : skip(p);
          case "usage" -> usage = tree(p);
          case "error" -> error = tree(p);
          case "choices" -> {
            choiceCount = 0;
            if (t == JsonToken.VALUE_NULL) {
              noChoices = true;
            } else if (t != JsonToken.START_ARRAY) {
              return false; // iterated as a tree iterates an object's values, or not at all: the tree says
            } else {
              noChoices = true;
              while (token(p) != JsonToken.END_ARRAY) {
                noChoices = false;
                if (p.currentToken() == JsonToken.START_OBJECT) {
                  readChoice(p, next());
                } else {
                  p.skipChildren(); // not an object: a tree reads nothing from it
                }
              }
            }
          }
          default -> p.skipChildren();
        }
      }
      return true;
    }
  }

  /** The next token; the end of the input inside the value is an error, as it is for a tree. */
  private static JsonToken token(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new JsonParseException(p, "unexpected end of the chunk");
    }
    return t;
  }

  private Choice next() {
    if (choiceCount == choices.size()) {
      choices.add(new Choice());
    }
    Choice c = choices.get(choiceCount++);
    c.clear();
    return c;
  }

  private static void readChoice(JsonParser p, Choice c) throws IOException {
    while (token(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = token(p);
      switch (field) {
        case "delta" -> {
          c.hasDelta = true;
          c.deltaContent = c.deltaReasoningContent = c.deltaReasoning = null;
          if (t == JsonToken.START_OBJECT) {
            readMessage(p, c, true);
          } else {
            p.skipChildren();
          }
        }
        case "message" -> {
          c.messageContent = c.messageReasoningContent = c.messageReasoning = null;
          if (t == JsonToken.START_OBJECT) {
            readMessage(p, c, false);
          } else {
            p.skipChildren();
          }
        }
        case "finish_reason" -> c.finishReason = t == JsonToken.VALUE_STRING ? p.getText() : skip(p);
        default -> p.skipChildren();
      }
    }
  }

  private static void readMessage(JsonParser p, Choice c, boolean delta) throws IOException {
    while (token(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = token(p);
      String text = t == JsonToken.VALUE_STRING ? p.getText() : skip(p);
      switch (field) {
        case "content" -> {
          if (delta) {
            c.deltaContent = text;
          } else {
            c.messageContent = text;
          }
        }
        case "reasoning_content" -> {
          if (delta) {
            c.deltaReasoningContent = text;
          } else {
            c.messageReasoningContent = text;
          }
        }
        case "reasoning" -> {
          if (delta) {
            c.deltaReasoning = text;
          } else {
            c.messageReasoning = text;
          }
        }
        default -> { }
      }
    }
  }

  /** The current string value: {@code last} when it is the same text (no new string). */
  private static String text(JsonParser p, @Nullable String last) throws IOException {
    if (last != null && p.getTextLength() == last.length()) {
      char[] chars = p.getTextCharacters();
      int offset = p.getTextOffset();
      int i = 0;
      while (i < last.length() && chars[offset + i] == last.charAt(i)) {
        i++;
      }
      if (i == last.length()) {
        return last;
      }
    }
    return p.getText();
  }

  /** Skips the current value; null (what a non-string value reads as). */
  private static @Nullable String skip(JsonParser p) throws IOException {
    p.skipChildren();
    return null;
  }

  private static JsonNode tree(JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return NullNode.getInstance(); // "usage": null is in every chunk of a stream that asks for usage
    }
    JsonNode n = p.readValueAsTree();
    return n == null ? NullNode.getInstance() : n;
  }
}
