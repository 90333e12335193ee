package chat.gateway.message;

/**
 * One message as stored in one channel, with its {@code message} frame already encoded (UTF-8 JSON),
 * so that history pages, replays and live fan-out write the same bytes without encoding again.
 */
public record StoredMessage(String channel, String id, Position position, long ts, byte[] frame) {
}
