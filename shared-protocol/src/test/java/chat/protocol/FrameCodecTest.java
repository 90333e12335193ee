package chat.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

  private static ProtocolException refused(String text) {
    ProtocolException e = assertThrows(ProtocolException.class, () -> FrameCodec.decodeClient(text), text);
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    return e;
  }

  @Test
  void decodesEveryClientFrame() {
    ClientFrame.Connect connect = (ClientFrame.Connect) FrameCodec.decodeClient(
        "{\"type\":\"connect\",\"token\":\"t\",\"device\":\"phone-1\",\"resume\":{\"group/dev\":\"p1\",\"user/alice\":\"p2\"}}");
    assertEquals("t", connect.token());
    assertEquals("phone-1", connect.device());
    assertEquals(List.of("group/dev", "user/alice"), List.copyOf(connect.resume().keySet()));
    assertEquals("default", ((ClientFrame.Connect) FrameCodec.decodeClient("{\"type\":\"connect\",\"user\":\"a\"}")).device());

    ClientFrame.Send send = (ClientFrame.Send) FrameCodec.decodeClient(
        "{\"type\":\"send\",\"seq\":17,\"channel\":\"group/dev\",\"body\":{\"text\":\"hi\"}}");
    assertEquals(17, send.seq());
    assertEquals(Channel.group("dev"), send.channel());
    assertEquals(new JsonObject().put("text", "hi"), send.body());

    ClientFrame.History history = (ClientFrame.History) FrameCodec.decodeClient(
        "{\"type\":\"history\",\"ref\":3,\"channel\":\"broadcast\"}");
    assertEquals(FrameCodec.DEFAULT_HISTORY_LIMIT, history.limit());
    assertNull(history.before());
    assertEquals(500, ((ClientFrame.History) FrameCodec.decodeClient(
        "{\"type\":\"history\",\"channel\":\"broadcast\",\"limit\":9000}")).limit());

    assertInstanceOf(ClientFrame.Ping.class, FrameCodec.decodeClient("{\"type\":\"ping\",\"extra\":\"ignored\"}"));
    assertEquals(3L, FrameCodec.decodeClient("{\"type\":\"join\",\"ref\":3,\"channel\":\"group/a\"}").ref());
    assertEquals(4L, FrameCodec.decodeClient("{\"type\":\"leave\",\"ref\":4,\"channel\":\"group/a\"}").ref());
    assertEquals(5L, FrameCodec.decodeClient("{\"type\":\"presence\",\"ref\":5,\"channel\":\"user/a\"}").ref());
  }

  @Test
  void refusesWhatTheProtocolRefuses() {
    refused("");
    refused("[]");
    refused("\"ping\"");
    refused("{}");
    refused("{\"type\":1}");
    refused("{\"type\":\"dance\"}");
    refused("{\"type\":\"send\",\"seq\":0,\"channel\":\"group/a\",\"body\":1}");
    refused("{\"type\":\"send\",\"seq\":-3,\"channel\":\"group/a\",\"body\":1}");
    refused("{\"type\":\"send\",\"seq\":2.5,\"channel\":\"group/a\",\"body\":1}");
    refused("{\"type\":\"send\",\"seq\":\"2\",\"channel\":\"group/a\",\"body\":1}");
    refused("{\"type\":\"send\",\"seq\":99999999999999999999,\"channel\":\"group/a\",\"body\":1}");
    refused("{\"type\":\"send\",\"seq\":1,\"channel\":\"group/a\"}");
    refused("{\"type\":\"send\",\"seq\":1,\"channel\":\"group/\",\"body\":1}");
    refused("{\"type\":\"send\",\"seq\":1,\"channel\":\"group/a/b\",\"body\":1}");
    refused("{\"type\":\"send\",\"seq\":1,\"channel\":\"group/" + "a".repeat(65) + "\",\"body\":1}");
    refused("{\"type\":\"join\",\"channel\":\"room/a\"}");
    refused("{\"type\":\"join\",\"ref\":\"1\",\"channel\":\"group/a\"}");
    refused("{\"type\":\"history\",\"channel\":\"group/a\",\"limit\":0}");
    refused("{\"type\":\"history\",\"channel\":\"group/a\",\"before\":5}");
    refused("{\"type\":\"connect\",\"user\":\"has space\"}");
    refused("{\"type\":\"connect\",\"user\":\"a\",\"device\":\"\"}");
    refused("{\"type\":\"connect\",\"user\":\"a\",\"resume\":[]}");
    refused("{\"type\":\"connect\",\"user\":\"a\",\"resume\":{\"nowhere\":\"p\"}}");
    refused("{\"type\":\"connect\",\"user\":\"a\",\"resume\":{\"group/a\":1}}");
    refused("{\"type\":\"ping\"");
  }

  @Test
  void duplicateKeysAndNonFiniteNumbersAreBadRequests() {
    assertEquals("duplicate key in the frame: every key once",
        refused("{\"type\":\"send\",\"seq\":1,\"channel\":\"user/bob\",\"channel\":\"group/x\",\"body\":1}").getMessage());
    assertEquals("duplicate key in the frame: every key once",
        refused("{\"type\":\"send\",\"seq\":1,\"channel\":\"user/bob\",\"body\":{\"a\":1,\"a\":2}}").getMessage());
    assertEquals("numbers must be finite",
        refused("{\"type\":\"send\",\"seq\":1,\"channel\":\"user/bob\",\"body\":[1,{\"x\":1e999}]}").getMessage());
    assertEquals("invalid JSON", refused("{\"type\":\"ping\"} trailing").getMessage());
    assertInstanceOf(ClientFrame.Send.class,
        FrameCodec.decodeClient("{\"type\":\"send\",\"seq\":1,\"channel\":\"user/bob\",\"body\":{\"a\":1.5e300,\"b\":[{\"a\":1}]}}"));
  }

  @Test
  void echoesRefAndSeqOfARefusedRequest() {
    ProtocolException e = refused("{\"type\":\"join\",\"ref\":7,\"channel\":\"nope\"}");
    assertEquals(7L, e.ref());
    e = refused("{\"type\":\"send\",\"seq\":9,\"channel\":\"nope\",\"body\":1}");
    assertEquals(9L, e.seq());
  }

  @Test
  void idsAreOneToSixtyFourSafeCharacters() {
    assertEquals(true, Ids.valid("a"));
    assertEquals(true, Ids.valid("A-z_0.9"));
    assertEquals(true, Ids.valid("x".repeat(64)));
    assertEquals(false, Ids.valid(""));
    assertEquals(false, Ids.valid("x".repeat(65)));
    assertEquals(false, Ids.valid("a/b"));
    assertEquals(false, Ids.valid("é"));
  }

  @Test
  void serverFramesRoundTrip() {
    List<ServerFrame> frames = List.of(
        new ServerFrame.Connected("s1", "alice", "gw-1", 25, List.of("user/alice", "broadcast"), Map.of("group/a", true)),
        new ServerFrame.Joined(1L, "group/a", "e.1-0"),
        new ServerFrame.Left(null, "group/a"),
        new ServerFrame.Ack(17, "group/a", "id1", "e.2-0"),
        new ServerFrame.Message("group/a", "id1", "e.2-0", "alice", "group/a", 123L, "hi"),
        new ServerFrame.History(3L, "group/a",
            List.of(new ServerFrame.Message("group/a", "id1", "e.2-0", "alice", "group/a", 123L, 5)), true),
        new ServerFrame.Presence(4L, "group/a", List.of("alice"), 12),
        new ServerFrame.Member("group/a", "bob", "joined"),
        new ServerFrame.Connected("s2", "bob", "gw-1", 25, List.of("user/bob"), Map.of(), Map.of("group/a", 3, "user/alice", 0)),
        new ServerFrame.History(5L, "group/a", List.of(), false, "e.2-0"),
        new ServerFrame.Typing("user/alice", "alice"),
        new ServerFrame.Read(6L, "group/a", null, "e.2-0", "id1"),
        new ServerFrame.Read(null, "user/bob", "bob", "e.2-0", "id1"),
        new ServerFrame.Error(1L, 17L, ErrorCode.FORBIDDEN, "no", false),
        new ServerFrame.Pong());
    for (ServerFrame frame : frames) {
      assertEquals(frame, FrameCodec.decodeServer(FrameCodec.encode(frame)));
    }
  }

  @Test
  void readAndTypingFrames() {
    ClientFrame.Read read = assertInstanceOf(ClientFrame.Read.class,
        FrameCodec.decodeClient("{\"type\":\"read\",\"ref\":2,\"channel\":\"user/bob\",\"position\":\"e.1-0\"}"));
    assertEquals(new ClientFrame.Read(2L, Channel.parse("user/bob"), "e.1-0"), read);
    assertEquals(read, FrameCodec.decodeClient(FrameCodec.encode(read)));
    assertEquals(2L, refused("{\"type\":\"read\",\"ref\":2,\"channel\":\"group/a\"}").ref());
    refused("{\"type\":\"read\",\"channel\":\"group/a\",\"position\":7}");
    refused("{\"type\":\"typing\"}");
    ClientFrame typing = FrameCodec.decodeClient("{\"type\":\"typing\",\"channel\":\"group/a\"}");
    assertEquals(typing, FrameCodec.decodeClient(FrameCodec.encode(typing)));
  }

  @Test
  void clientFramesRoundTrip() {
    FrameFuzzer fuzzer = new FrameFuzzer(7);
    for (int i = 0; i < 2000; i++) {
      ClientFrame frame;
      try {
        frame = FrameCodec.decodeClient(fuzzer.valid().encode());
      } catch (ProtocolException e) {
        continue;
      }
      assertEquals(frame, FrameCodec.decodeClient(FrameCodec.encode(frame)));
    }
  }

  @Test
  void connectFeaturesAreAnArrayOfNamesAndUnknownOnesPassThrough() {
    ClientFrame.Connect connect = assertInstanceOf(ClientFrame.Connect.class, FrameCodec.decodeClient(
        "{\"type\":\"connect\",\"user\":\"alice\",\"features\":[\"member_batches\",\"from_the_future\"]}"));
    assertEquals(java.util.Set.of("member_batches", "from_the_future"), connect.features());
    assertEquals(connect, FrameCodec.decodeClient(FrameCodec.encode(connect)));
    for (String bad : new String[] {"\"member_batches\"", "[1]", "{}", "[" + "\"x\",".repeat(16) + "\"x\"]"}) {
      String text = "{\"type\":\"connect\",\"user\":\"alice\",\"features\":" + bad + "}";
      assertEquals(ErrorCode.BAD_REQUEST, assertThrows(ProtocolException.class, () -> FrameCodec.decodeClient(text),
          text).code());
    }
    assertEquals(java.util.Set.of(), ((ClientFrame.Connect) FrameCodec.decodeClient(
        "{\"type\":\"connect\",\"user\":\"alice\"}")).features());
  }

  @Test
  void connectAndRefreshCarryDataForTheConnectHookUpTo4KiB() {
    ClientFrame.Connect connect = (ClientFrame.Connect) FrameCodec.decodeClient(
        "{\"type\":\"connect\",\"data\":{\"ticket\":\"t-1\",\"n\":[1,2]}}");
    assertEquals(new io.vertx.core.json.JsonObject().put("ticket", "t-1").put("n", new io.vertx.core.json.JsonArray().add(1).add(2)),
        connect.data());
    assertEquals(connect, FrameCodec.decodeClient(FrameCodec.encode(connect)));
    String big = "\"" + "z".repeat(4095) + "\"";
    ProtocolException tooLarge = assertThrows(ProtocolException.class,
        () -> FrameCodec.decodeClient("{\"type\":\"connect\",\"data\":" + big + "}"));
    assertEquals(ErrorCode.TOO_LARGE, tooLarge.code());
    assertThrows(ProtocolException.class,
        () -> FrameCodec.decodeClient("{\"type\":\"refresh\",\"ref\":1,\"data\":" + big + "}"));
    String fits = "\"" + "z".repeat(4094) + "\"";
    assertEquals(4096, fits.length());
    assertEquals("z".repeat(4094), ((ClientFrame.Connect) FrameCodec.decodeClient(
        "{\"type\":\"connect\",\"data\":" + fits + "}")).data());
  }

  @Test
  void aMembersBatchRoundTrips() {
    ServerFrame.Members batch = new ServerFrame.Members("group/dev", List.of(
        new ServerFrame.MemberEvent("bob", "joined"), new ServerFrame.MemberEvent("carol", "offline")));
    String text = FrameCodec.encode(batch);
    assertEquals("{\"type\":\"members\",\"channel\":\"group/dev\",\"events\":[{\"user\":\"bob\",\"event\":"
        + "\"joined\"},{\"user\":\"carol\",\"event\":\"offline\"}]}", text);
    assertEquals(batch, FrameCodec.decodeServer(text));
  }
}
