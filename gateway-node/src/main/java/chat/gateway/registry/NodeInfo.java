package chat.gateway.registry;

/** One live gateway node: id, public address, live connections, start time (ms since the epoch). */
public record NodeInfo(String id, String address, long connections, long startedAt) {
}
