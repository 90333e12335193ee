package chat.gateway.hook;

import io.vertx.core.json.JsonObject;

/**
 * What a client's WebSocket upgrade said about it, for the connect hook: its address (as admission sees it,
 * {@code TRUSTED_PROXIES} applied), and its {@code Origin}, {@code Cookie}, {@code Authorization} and
 * {@code User-Agent} headers (null when absent). Kept by a connection only under hook sign-in, and after
 * {@code connect} only while a refresh may ask the hook again.
 */
public record ClientRequest(String address, String origin, String cookie, String authorization, String userAgent) {

  /** The request's {@code client} object: {@code {"address","origin","headers":{"cookie","authorization","user-agent"}}}. */
  JsonObject toJson() {
    JsonObject headers = new JsonObject();
    putIfNotNull(headers, "cookie", cookie);
    putIfNotNull(headers, "authorization", authorization);
    putIfNotNull(headers, "user-agent", userAgent);
    JsonObject client = new JsonObject().put("address", address);
    putIfNotNull(client, "origin", origin);
    return client.put("headers", headers);
  }

  private static void putIfNotNull(JsonObject json, String name, String value) {
    if (value != null) {
      json.put(name, value);
    }
  }
}
