package chat.gateway.history;

/** Identifies one send of one device: a repeat of it must get the same ack and not be delivered again. */
public record DedupeKey(String user, String device, long seq) {
}
