package chat.gateway.app;

import io.vertx.core.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a node on Redis is told of its standing in the cluster.
 *
 * @param lost        the subscriber connection dropped (live events are held from then on)
 * @param back        it is subscribed again and every channel's gap is filled: the node's own bookkeeping follows
 * @param lapsed      a refresh found the node's liveness expired (another node may have swept its sessions)
 * @param wentOffline a user whose last session was swept with a dead node
 */
public record LinkEvents(Runnable lost, Supplier<Future<Void>> back, Runnable lapsed, Consumer<String> wentOffline) {
}
