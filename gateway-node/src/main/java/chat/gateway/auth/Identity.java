package chat.gateway.auth;

/** Who a connection is: the user id, and whether they may send to {@code broadcast}. */
public record Identity(String user, boolean admin) {
}
