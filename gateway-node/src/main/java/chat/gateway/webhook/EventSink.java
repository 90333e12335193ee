package chat.gateway.webhook;

import chat.gateway.config.WebhookConfig.Type;

/**
 * Where the stores record what happened, for the webhooks: with what they report (a message event as the message
 * is stored, a member event as the membership changes). {@link #NONE} when webhooks are off, or for the events
 * the store's own scripts record.
 */
public interface EventSink {
  EventSink NONE = new EventSink() {
    @Override
    public boolean wants(Type type) {
      return false;
    }

    @Override
    public void record(WebhookEvent event) {
    }
  };

  /** Whether events of {@code type} are recorded at all (a store builds none it would throw away). */
  boolean wants(Type type);

  void record(WebhookEvent event);
}
