package chat.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON text frames to records and back. Decoding is strict: the frame must be one JSON object with a
 * known string {@code type}, every known field must have its JSON type, ids and channels must be valid.
 * Unknown fields are ignored, so the protocol can grow additively. Every failure is a
 * {@link ProtocolException} with code {@code bad_request}, echoing {@code ref}/{@code seq} where they could be read.
 */
public final class FrameCodec {
  /** JSON as RFC 8259 wants it for interoperable frames: every key once in an object. */
  private static final JsonFactory STRICT_JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  public static final int DEFAULT_HISTORY_LIMIT = 50;
  public static final int MAX_HISTORY_LIMIT = 500;
  /** Most feature names a connect may list. */
  public static final int MAX_FEATURES = 16;
  /** Most bytes of {@code data} a connect or refresh carries for the connect hook (its JSON). */
  public static final int MAX_HOOK_DATA_BYTES = 4096;

  private FrameCodec() {
  }

  // ---- client frames ------------------------------------------------------------------------

  public static ClientFrame decodeClient(String text) {
    JsonObject json = parseObject(text);
    Long ref = null;
    Long seq = null;
    try {
      ref = optionalLong(json, "ref");
      String type = requiredString(json, "type");
      return switch (type) {
        case "connect" -> decodeConnect(json);
        case "join" -> new ClientFrame.Join(ref, Channel.parse(requiredString(json, "channel")),
            optionalString(json, "token"));
        case "leave" -> new ClientFrame.Leave(ref, Channel.parse(requiredString(json, "channel")));
        case "send" -> {
          seq = positiveLong(json, "seq");
          Channel channel = Channel.parse(requiredString(json, "channel"));
          String replaces = messageId(json, "replaces");
          String deletes = messageId(json, "deletes");
          if (replaces != null && deletes != null) {
            throw bad("a send replaces a message or deletes one, not both");
          }
          if (deletes != null) {
            if (json.containsKey("body")) {
              throw bad("a delete carries no body");
            }
            yield new ClientFrame.Send(seq, channel, null, null, deletes);
          }
          if (!json.containsKey("body")) {
            throw bad(replaces != null ? "an edit carries the new body" : "body is required");
          }
          if (replaces != null && json.getValue("body") == null) {
            throw bad("an edit carries the new body");
          }
          yield new ClientFrame.Send(seq, channel, json.getValue("body"), replaces, null);
        }
        case "history" -> decodeHistory(json, ref);
        case "presence" -> new ClientFrame.Presence(ref, Channel.parse(requiredString(json, "channel")));
        case "ping" -> new ClientFrame.Ping();
        case "typing" -> new ClientFrame.Typing(Channel.parse(requiredString(json, "channel")));
        case "read" -> new ClientFrame.Read(ref, Channel.parse(requiredString(json, "channel")),
            requiredString(json, "position"));
        case "refresh" -> {
          String token = optionalString(json, "token");
          if ((token == null) == (json.getValue("data") == null)) {
            throw bad("refresh takes a token (or, under hook sign-in, data)");
          }
          yield new ClientFrame.Refresh(ref, token, hookData(json, "refresh"));
        }
        default -> throw bad("unknown frame type: " + abbreviate(type));
      };
    } catch (ProtocolException e) {
      throw e.answering(ref, seq);
    }
  }

  public static String encode(ClientFrame frame) {
    JsonObject json = new JsonObject();
    if (frame instanceof ClientFrame.Connect c) {
      json.put("type", "connect").put("device", c.device());
      putIfNotNull(json, "token", c.token());
      putIfNotNull(json, "user", c.user());
      if (!c.resume().isEmpty()) {
        json.put("resume", new JsonObject(new LinkedHashMap<>(c.resume())));
      }
      if (!c.features().isEmpty()) {
        json.put("features", new JsonArray(new ArrayList<>(new java.util.TreeSet<>(c.features()))));
      }
      putIfNotNull(json, "data", c.data());
    } else if (frame instanceof ClientFrame.Join j) {
      json.put("type", "join").put("channel", j.channel().name());
      putIfNotNull(json, "ref", j.ref());
      putIfNotNull(json, "token", j.token());
    } else if (frame instanceof ClientFrame.Leave l) {
      json.put("type", "leave").put("channel", l.channel().name());
      putIfNotNull(json, "ref", l.ref());
    } else if (frame instanceof ClientFrame.Send s) {
      json.put("type", "send").put("seq", s.seq()).put("channel", s.channel().name());
      putIfNotNull(json, "replaces", s.replaces());
      putIfNotNull(json, "deletes", s.deletes());
      if (s.deletes() == null) {
        json.put("body", s.body());
      }
    } else if (frame instanceof ClientFrame.History h) {
      json.put("type", "history").put("channel", h.channel().name()).put("limit", h.limit());
      putIfNotNull(json, "ref", h.ref());
      putIfNotNull(json, "before", h.before());
    } else if (frame instanceof ClientFrame.Presence p) {
      json.put("type", "presence").put("channel", p.channel().name());
      putIfNotNull(json, "ref", p.ref());
    } else if (frame instanceof ClientFrame.Typing t) {
      json.put("type", "typing").put("channel", t.channel().name());
    } else if (frame instanceof ClientFrame.Read r) {
      json.put("type", "read");
      putIfNotNull(json, "ref", r.ref());
      json.put("channel", r.channel().name()).put("position", r.position());
    } else if (frame instanceof ClientFrame.Refresh r) {
      json.put("type", "refresh");
      putIfNotNull(json, "ref", r.ref());
      putIfNotNull(json, "token", r.token());
      putIfNotNull(json, "data", r.data());
    } else {
      json.put("type", "ping");
    }
    return json.encode();
  }

  private static ClientFrame.Connect decodeConnect(JsonObject json) {
    String token = optionalString(json, "token");
    String user = optionalString(json, "user");
    if (user != null) {
      Ids.require(user, "user");
    }
    String device = optionalString(json, "device");
    if (device != null) {
      Ids.require(device, "device");
    }
    Map<String, String> resume = new LinkedHashMap<>();
    Object raw = json.getValue("resume");
    if (raw != null) {
      if (!(raw instanceof JsonObject positions)) {
        throw bad("resume must be an object of channel to position");
      }
      for (Map.Entry<String, Object> e : positions) {
        Channel.parse(e.getKey());
        if (!(e.getValue() instanceof String position)) {
          throw bad("resume positions must be strings");
        }
        resume.put(e.getKey(), position);
      }
    }
    Set<String> features = new LinkedHashSet<>();
    Object rawFeatures = json.getValue("features");
    if (rawFeatures != null) {
      if (!(rawFeatures instanceof JsonArray list) || list.size() > MAX_FEATURES
          || !list.stream().allMatch(f -> f instanceof String name && name.length() <= 64)) {
        throw bad("features must be an array of at most " + MAX_FEATURES + " feature names");
      }
      list.forEach(f -> features.add((String) f));
    }
    return new ClientFrame.Connect(token, user, device, resume, features, hookData(json, "connect"));
  }

  /** A frame's {@code data} for the connect hook: any JSON up to {@link #MAX_HOOK_DATA_BYTES}; null when absent. */
  private static Object hookData(JsonObject json, String frame) {
    Object data = json.getValue("data");
    if (data != null && Json.encode(data).getBytes(StandardCharsets.UTF_8).length > MAX_HOOK_DATA_BYTES) {
      throw new ProtocolException(ErrorCode.TOO_LARGE, frame + ".data may hold at most " + MAX_HOOK_DATA_BYTES
          + " bytes of JSON");
    }
    return data;
  }

  private static ClientFrame.History decodeHistory(JsonObject json, Long ref) {
    Channel channel = Channel.parse(requiredString(json, "channel"));
    Long limit = optionalLong(json, "limit");
    if (limit != null && limit < 1) {
      throw bad("limit must be a positive integer");
    }
    int capped = limit == null ? DEFAULT_HISTORY_LIMIT : (int) Math.min(limit, MAX_HISTORY_LIMIT);
    return new ClientFrame.History(ref, channel, capped, optionalString(json, "before"));
  }

  // ---- server frames ------------------------------------------------------------------------

  public static String encode(ServerFrame frame) {
    return toJson(frame).encode();
  }

  public static JsonObject toJson(ServerFrame frame) {
    JsonObject json = new JsonObject();
    if (frame instanceof ServerFrame.Connected c) {
      JsonObject recovered = new JsonObject();
      c.recovered().forEach(recovered::put);
      json.put("type", "connected").put("session", c.session()).put("user", c.user()).put("node", c.node())
          .put("heartbeat", c.heartbeat()).put("channels", new JsonArray(new ArrayList<>(c.channels())))
          .put("recovered", recovered).put("unread", new JsonObject(new LinkedHashMap<>(c.unread())));
      if (c.rate() != null) {
        json.put("rate", new JsonObject().put("perSecond", c.rate().perSecond()).put("burst", c.rate().burst()));
      }
    } else if (frame instanceof ServerFrame.Joined j) {
      json.put("type", "joined");
      putIfNotNull(json, "ref", j.ref());
      json.put("channel", j.channel()).put("position", j.position());
    } else if (frame instanceof ServerFrame.Left l) {
      json.put("type", "left");
      putIfNotNull(json, "ref", l.ref());
      json.put("channel", l.channel());
    } else if (frame instanceof ServerFrame.Ack a) {
      json.put("type", "ack").put("seq", a.seq()).put("channel", a.channel()).put("id", a.id())
          .put("position", a.position());
    } else if (frame instanceof ServerFrame.Message m) {
      json.put("type", "message").put("channel", m.channel()).put("id", m.id()).put("position", m.position())
          .put("from", m.from()).put("to", m.to()).put("ts", m.ts());
      putIfNotNull(json, "replaces", m.replaces());
      putIfNotNull(json, "deletes", m.deletes());
      if (m.deleted()) {
        json.put("deleted", true);
      } else if (m.deletes() == null) {
        json.put("body", m.body());
      }
    } else if (frame instanceof ServerFrame.History h) {
      JsonArray messages = new JsonArray();
      h.messages().forEach(m -> messages.add(toJson(m)));
      json.put("type", "history");
      putIfNotNull(json, "ref", h.ref());
      json.put("channel", h.channel()).put("messages", messages).put("more", h.more());
      putIfNotNull(json, "read", h.read());
    } else if (frame instanceof ServerFrame.Presence p) {
      json.put("type", "presence");
      putIfNotNull(json, "ref", p.ref());
      json.put("channel", p.channel()).put("online", new JsonArray(new ArrayList<>(p.online())))
          .put("members", p.members());
      if (p.large()) {
        json.put("large", true);
      }
    } else if (frame instanceof ServerFrame.Member m) {
      json.put("type", "member").put("channel", m.channel()).put("user", m.user()).put("event", m.event());
    } else if (frame instanceof ServerFrame.Typing t) {
      json.put("type", "typing").put("channel", t.channel()).put("user", t.user());
    } else if (frame instanceof ServerFrame.Read r) {
      json.put("type", "read");
      putIfNotNull(json, "ref", r.ref());
      json.put("channel", r.channel());
      putIfNotNull(json, "user", r.user());
      json.put("position", r.position()).put("id", r.id());
    } else if (frame instanceof ServerFrame.Members m) {
      JsonArray events = new JsonArray();
      m.events().forEach(e -> events.add(new JsonObject().put("user", e.user()).put("event", e.event())));
      json.put("type", "members").put("channel", m.channel()).put("events", events);
    } else if (frame instanceof ServerFrame.Error e) {
      json.put("type", "error");
      putIfNotNull(json, "ref", e.ref());
      putIfNotNull(json, "seq", e.seq());
      json.put("code", e.code().wire()).put("message", e.message()).put("temporary", e.temporary());
    } else if (frame instanceof ServerFrame.Recovery r) {
      json.put("type", "recovery").put("channel", r.channel()).put("recovered", r.recovered());
    } else if (frame instanceof ServerFrame.Expiring e) {
      json.put("type", "expiring").put("in", e.in());
    } else if (frame instanceof ServerFrame.Refreshed r) {
      json.put("type", "refreshed");
      putIfNotNull(json, "ref", r.ref());
      json.put("expires", r.expires());
    } else {
      json.put("type", "pong");
    }
    return json;
  }

  /** Decodes a server frame (used by clients). Unknown types fail with {@code bad_request}. */
  public static ServerFrame decodeServer(String text) {
    JsonObject json = parseObject(text);
    String type = requiredString(json, "type");
    Long ref = optionalLong(json, "ref");
    return switch (type) {
      case "connected" -> {
        Map<String, Boolean> recovered = new LinkedHashMap<>();
        JsonObject r = json.getJsonObject("recovered", new JsonObject());
        r.forEach(e -> recovered.put(e.getKey(), (Boolean) e.getValue()));
        List<String> channels = new ArrayList<>();
        json.getJsonArray("channels", new JsonArray()).forEach(c -> channels.add((String) c));
        Map<String, Integer> unread = new LinkedHashMap<>();
        json.getJsonObject("unread", new JsonObject()).forEach(e -> unread.put(e.getKey(), ((Number) e.getValue()).intValue()));
        JsonObject rate = json.getJsonObject("rate");
        yield new ServerFrame.Connected(json.getString("session"), json.getString("user"), json.getString("node"),
            json.getInteger("heartbeat", 0), channels, recovered, unread, rate == null ? null
            : new ServerFrame.Rate(rate.getDouble("perSecond", 0.0), rate.getInteger("burst", 1)));
      }
      case "joined" -> new ServerFrame.Joined(ref, json.getString("channel"), json.getString("position"));
      case "left" -> new ServerFrame.Left(ref, json.getString("channel"));
      case "ack" -> new ServerFrame.Ack(json.getLong("seq"), json.getString("channel"), json.getString("id"),
          json.getString("position"));
      case "message" -> message(json);
      case "history" -> {
        List<ServerFrame.Message> messages = new ArrayList<>();
        json.getJsonArray("messages", new JsonArray()).forEach(m -> messages.add(message((JsonObject) m)));
        yield new ServerFrame.History(ref, json.getString("channel"), messages, json.getBoolean("more", false),
            json.getString("read"));
      }
      case "presence" -> {
        List<String> online = new ArrayList<>();
        json.getJsonArray("online", new JsonArray()).forEach(u -> online.add((String) u));
        yield new ServerFrame.Presence(ref, json.getString("channel"), online, json.getLong("members", 0L),
            json.getBoolean("large", false));
      }
      case "typing" -> new ServerFrame.Typing(json.getString("channel"), json.getString("user"));
      case "read" -> new ServerFrame.Read(ref, json.getString("channel"), json.getString("user"),
          json.getString("position"), json.getString("id"));
      case "member" -> new ServerFrame.Member(json.getString("channel"), json.getString("user"),
          json.getString("event"));
      case "members" -> {
        List<ServerFrame.MemberEvent> events = new ArrayList<>();
        json.getJsonArray("events", new JsonArray()).forEach(e -> events.add(new ServerFrame.MemberEvent(
            ((JsonObject) e).getString("user"), ((JsonObject) e).getString("event"))));
        yield new ServerFrame.Members(json.getString("channel"), events);
      }
      case "error" -> new ServerFrame.Error(ref, optionalLong(json, "seq"), ErrorCode.fromWire(json.getString("code")),
          json.getString("message"), json.getBoolean("temporary", false));
      case "pong" -> new ServerFrame.Pong();
      case "recovery" -> new ServerFrame.Recovery(json.getString("channel"), json.getBoolean("recovered", false));
      case "expiring" -> new ServerFrame.Expiring(json.getLong("in", 0L));
      case "refreshed" -> new ServerFrame.Refreshed(ref, json.getLong("expires", 0L));
      default -> throw bad("unknown frame type: " + abbreviate(type));
    };
  }

  private static ServerFrame.Message message(JsonObject json) {
    return new ServerFrame.Message(json.getString("channel"), json.getString("id"), json.getString("position"),
        json.getString("from"), json.getString("to"), json.getLong("ts", 0L), json.getValue("body"),
        json.getString("replaces"), json.getString("deletes"), json.getBoolean("deleted", false));
  }

  // ---- strict field access --------------------------------------------------------------------

  /** A message id named by {@code field} (1 to 64 safe characters), or null when absent. */
  private static String messageId(JsonObject json, String field) {
    String id = optionalString(json, field);
    if (id != null && !Ids.valid(id)) {
      throw bad(field + " must be a message id");
    }
    return id;
  }

  private static JsonObject parseObject(String text) {
    if (text == null) {
      throw bad("frame must be a JSON object");
    }
    String trimmed = text.strip();
    if (!trimmed.startsWith("{")) {
      throw bad("frame must be a JSON object");
    }
    Object parsed;
    try (JsonParser parser = STRICT_JSON.createParser(trimmed)) {
      parsed = JacksonCodec.fromParser(parser, Object.class);
    } catch (IOException | RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause.getMessage() != null && cause.getMessage().startsWith("Duplicate field")) {
        throw bad("duplicate key in the frame: every key once");
      }
      throw bad("invalid JSON");
    }
    if (!(parsed instanceof JsonObject json)) {
      throw bad("frame must be a JSON object");
    }
    if (!finite(json)) {
      throw bad("numbers must be finite");
    }
    return json;
  }

  /** False if any number in {@code value} (nested) is infinite or NaN (e.g. 1e999 parsed as a double). */
  private static boolean finite(Object value) {
    if (value instanceof Double d) {
      return Double.isFinite(d);
    }
    if (value instanceof Float f) {
      return Float.isFinite(f);
    }
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> entry : o) {
        if (!finite(entry.getValue())) {
          return false;
        }
      }
    } else if (value instanceof JsonArray a) {
      for (Object item : a) {
        if (!finite(item)) {
          return false;
        }
      }
    }
    return true;
  }

  private static String requiredString(JsonObject json, String field) {
    String value = optionalString(json, field);
    if (value == null) {
      throw bad(field + " is required");
    }
    return value;
  }

  private static String optionalString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw bad(field + " must be a string");
    }
    return s;
  }

  private static Long optionalLong(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger || value instanceof BigDecimal || value instanceof Number) {
      throw bad(field + " must be an integer within 64 bits");
    }
    throw bad(field + " must be an integer");
  }

  private static long positiveLong(JsonObject json, String field) {
    Long value = optionalLong(json, field);
    if (value == null || value < 1) {
      throw bad(field + " must be a positive integer");
    }
    return value;
  }

  private static void putIfNotNull(JsonObject json, String field, Object value) {
    if (value != null) {
      json.put(field, value);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "...";
  }

  private static ProtocolException bad(String message) {
    return new ProtocolException(ErrorCode.BAD_REQUEST, message);
  }
}
