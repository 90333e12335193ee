package chat.gateway.suite.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import chat.gateway.testing.Await;
import chat.gateway.testing.CuttableProxy;
import chat.gateway.testing.TestNode;
import chat.protocol.ServerFrame;
import chat.protocol.client.ChatClient;
import chat.protocol.client.ClientOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The Java client's side of 1.1's chat features (typing, read markers, unread after connect) and of "Clients notice
 * silence": a connection that brings nothing for two heartbeats (cut off without a FIN) is replaced, with resume, and
 * nothing sent meanwhile is lost.
 */
class ChatClientFeaturesTest {

  @Test
  void typingReadsAndUnreadThroughTheClient() {
    try (TestNode node = TestNode.start()) {
      ChatClient alice = node.client("alice", "laptop");
      ChatClient bob = node.client("bob", "phone");
      List<ServerFrame.Typing> typing = new CopyOnWriteArrayList<>();
      List<ServerFrame.Read> receipts = new CopyOnWriteArrayList<>();
      bob.onTyping(typing::add).onRead(receipts::add);
      Await.result(alice.connect());
      Await.result(bob.connect());
      Await.result(alice.join("group/dev"));
      Await.result(bob.join("group/dev"));
      alice.typing("group/dev");
      alice.typing("group/dev"); // within 2 s: not sent
      Await.until("bob sees alice typing", () -> !typing.isEmpty());
      ServerFrame.Ack ack = Await.result(bob.send("group/dev", "hello"));
      Await.until("alice has the message", () -> alice.positions().containsKey("group/dev"));
      ServerFrame.Read answer = Await.result(alice.read("group/dev", ack.position()));
      assertEquals(ack.id(), answer.id());
      Await.until("bob gets the receipt", () -> !receipts.isEmpty());
      assertEquals(new ServerFrame.Read(null, "group/dev", "alice", ack.position(), ack.id()), receipts.get(0));
      Await.result(bob.send("group/dev", "unread"));
      Await.result(alice.reconnect());
      assertEquals(java.util.Map.of("group/dev", 1), alice.connected().unread());
      assertEquals(new ServerFrame.Rate(20, 40), alice.connected().rate(), "the node states its rate (the defaults)");
      assertEquals(1, typing.size(), "one typing frame from two calls within 2 s");
    }
  }

  @Test
  void editsAndDeletionsThroughTheClientFoldIntoWhatAReaderSees() {
    try (TestNode node = TestNode.start()) {
      ChatClient alice = node.client("alice", "laptop");
      Await.result(alice.connect());
      Await.result(alice.join("group/dev"));
      ServerFrame.Ack typo = Await.result(alice.send("group/dev", "helo"));
      ServerFrame.Ack other = Await.result(alice.send("group/dev", "oops"));
      Await.result(alice.edit("group/dev", typo.id(), "hello"));
      Await.result(alice.delete("group/dev", other.id()));
      ServerFrame.History page = Await.result(alice.history("group/dev", 50, null));
      assertEquals(4, page.messages().size());
      List<chat.protocol.client.Versions.Shown> shown = chat.protocol.client.Versions.latest(page.messages());
      assertEquals(2, shown.size());
      assertEquals("hello", shown.get(0).body());
      assertTrue(shown.get(0).edited());
      assertTrue(shown.get(1).deleted());
      assertEquals(null, shown.get(1).body());
      Throwable refused = Await.failure(alice.delete("group/dev", other.id()));
      assertTrue(refused.getMessage().contains("not_found") || refused.toString().contains("NOT_FOUND")
          || refused.toString().contains("not_found"), refused.toString());
    }
  }

  @Test
  void aConnectionSilentForTwoHeartbeatsIsReplacedWithResume() {
    try (TestNode node = TestNode.start("HEARTBEAT", "1s");
         CuttableProxy link = CuttableProxy.to("127.0.0.1", node.port())) {
      ChatClient alice = new ChatClient(node.clientVertx(), new ClientOptions().host("127.0.0.1").port(link.port())
          .user("alice").device("laptop"));
      List<String> bodies = new CopyOnWriteArrayList<>();
      alice.onMessage(m -> bodies.add((String) m.body()));
      ChatClient bob = node.client("bob", "phone");
      Await.result(alice.connect());
      Await.result(bob.connect());
      Await.result(alice.join("group/dev"));
      Await.result(bob.join("group/dev"));
      Await.result(bob.send("group/dev", "before"));
      Await.until("alice has the first message", () -> bodies.contains("before"));
      String firstSession = alice.connected().session();
      link.freeze(); // no FIN, no RST: only silence tells
      Await.result(bob.send("group/dev", "while cut off"));
      Await.until(java.time.Duration.ofSeconds(20), "alice is on a new connection",
          () -> alice.connected() != null && !alice.connected().session().equals(firstSession));
      assertEquals(1, alice.silentReconnects());
      assertTrue(alice.connected().recovered().get("group/dev"), "resumed from its position");
      Await.until("the message sent while cut off arrives by the resume", () -> bodies.contains("while cut off"));
      assertEquals(List.of("before", "while cut off"), bodies);
      Await.result(alice.shutdown());
    }
  }
}
