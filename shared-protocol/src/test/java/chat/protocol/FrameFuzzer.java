package chat.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Random;

/**
 * Makes hostile client frames from a seed: valid frames with fields replaced, removed or retyped,
 * byte-level mutations of their text, and plain garbage. Reproducible: the same seed gives the same frames.
 */
public final class FrameFuzzer {
  private static final List<String> TYPES = List.of("connect", "join", "leave", "send", "history", "presence", "ping",
      "message", "ack", "", "PING", "send ");
  private static final List<String> FIELDS = List.of("type", "ref", "seq", "channel", "body", "limit", "before",
      "user", "token", "device", "resume");
  private final Random random;

  public FrameFuzzer(long seed) {
    this.random = new Random(seed);
  }

  public String next() {
    return switch (random.nextInt(10)) {
      case 0, 1, 2 -> valid().encode();
      case 3, 4, 5 -> mutateFields(valid()).encode();
      case 6, 7 -> mutateBytes(valid().encode());
      case 8 -> String.valueOf(randomJson(3));
      default -> garbage();
    };
  }

  /** A well-formed frame of a random type (it may still be refused by the server: that is the point). */
  public JsonObject valid() {
    String channel = channel();
    return switch (random.nextInt(7)) {
      case 0 -> new JsonObject().put("type", "send").put("seq", 1 + random.nextInt(1000)).put("channel", channel)
          .put("body", randomJson(2));
      case 1 -> new JsonObject().put("type", "join").put("ref", random.nextInt(100)).put("channel", channel);
      case 2 -> new JsonObject().put("type", "leave").put("ref", random.nextInt(100)).put("channel", channel);
      case 3 -> new JsonObject().put("type", "history").put("ref", random.nextInt(100)).put("channel", channel)
          .put("limit", random.nextInt(600));
      case 4 -> new JsonObject().put("type", "presence").put("ref", random.nextInt(100)).put("channel", channel);
      case 5 -> new JsonObject().put("type", "connect").put("user", "u" + random.nextInt(5));
      default -> new JsonObject().put("type", "ping");
    };
  }

  private String channel() {
    return switch (random.nextInt(6)) {
      case 0 -> "user/u" + random.nextInt(5);
      case 1, 2 -> "group/g" + random.nextInt(5);
      case 3 -> "broadcast";
      case 4 -> "group/" + randomString(random.nextInt(80));
      default -> randomString(12);
    };
  }

  private JsonObject mutateFields(JsonObject frame) {
    int edits = 1 + random.nextInt(3);
    for (int i = 0; i < edits; i++) {
      String field = FIELDS.get(random.nextInt(FIELDS.size()));
      switch (random.nextInt(4)) {
        case 0 -> frame.remove(field);
        case 1 -> frame.put(field, randomJson(2));
        case 2 -> frame.put("type", TYPES.get(random.nextInt(TYPES.size())));
        default -> frame.put(field, edgeNumber());
      }
    }
    return frame;
  }

  private String mutateBytes(String text) {
    StringBuilder s = new StringBuilder(text);
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits && s.length() > 0; i++) {
      int at = random.nextInt(s.length());
      switch (random.nextInt(3)) {
        case 0 -> s.deleteCharAt(at);
        case 1 -> s.insert(at, "{}[]\",:\\0-e9\u00e9\ud83d\ude00".charAt(random.nextInt(14)));
        default -> s.setCharAt(at, (char) random.nextInt(0x250));
      }
    }
    return s.toString();
  }

  private Object randomJson(int depth) {
    int kind = random.nextInt(depth <= 0 ? 5 : 7);
    return switch (kind) {
      case 0 -> randomString(random.nextInt(20));
      case 1 -> edgeNumber();
      case 2 -> random.nextBoolean();
      case 3 -> random.nextDouble() * 1e6;
      case 4 -> random.nextInt(3) == 0 ? null : "x";
      case 5 -> {
        JsonArray array = new JsonArray();
        for (int i = random.nextInt(4); i > 0; i--) {
          array.add(randomJson(depth - 1));
        }
        yield array;
      }
      default -> {
        JsonObject object = new JsonObject();
        for (int i = random.nextInt(4); i > 0; i--) {
          object.put(randomString(1 + random.nextInt(6)), randomJson(depth - 1));
        }
        yield object;
      }
    };
  }

  private Object edgeNumber() {
    Object[] edges = {0, -1, 1, Integer.MAX_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, 1.5, -0.0, 1e308,
        new java.math.BigInteger("123456789012345678901234567890")};
    return edges[random.nextInt(edges.length)];
  }

  private String randomString(int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(random.nextInt(4) == 0 ? (char) random.nextInt(0x3000) : (char) ('a' + random.nextInt(26)));
    }
    return s.toString();
  }

  private String garbage() {
    String[] seeds = {"", " ", "null", "[]", "{", "}", "{\"type\"}", "\"send\"", "1e999", "{\"type\":\"ping\"}}",
        "{\"type\":\"ping\",}", "{'type':'ping'}", "\u0000", "[" .repeat(2000), "{\"a\":".repeat(1500)};
    return seeds[random.nextInt(seeds.length)] + (random.nextBoolean() ? "" : randomString(random.nextInt(30)));
  }
}
