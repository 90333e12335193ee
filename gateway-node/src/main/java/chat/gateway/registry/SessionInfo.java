package chat.gateway.registry;

/** One live WebSocket session, as the cluster sees it. */
public record SessionInfo(String session, String user, String device, String node, long connectedAt) {
}
