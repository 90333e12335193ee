package chat.gateway.message;

/**
 * One message as stored in one channel, with its {@code message} frame already encoded (UTF-8 JSON),
 * so that history pages, replays and live fan-out write the same bytes without encoding again. {@code from} and
 * {@code to} are the frame's: who sent it, and where (for a direct message's copy to its sender, not
 * {@code channel}).
 */
public record StoredMessage(String channel, String id, Position position, String from, String to, long ts,
                            byte[] frame) {
}
