package chat.gateway.access;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import chat.gateway.auth.Identity;
import chat.gateway.testing.Await;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class PermissionsTest {
  private final Permissions permissions = Permissions.open();
  private final Identity alice = new Identity("alice", false);
  private final Identity admin = new Identity("root", true);
  private final Set<String> aliceGroups = Set.of("team");

  private static ErrorCode refusal(Executable check) {
    return assertThrows(ProtocolException.class, check).code();
  }

  @Test
  void aUserSendsToTheirGroupsAnyUserAndBroadcastOnlyAsAdmin() {
    assertEquals(Permissions.Send.MEMBERSHIP_CHECKED_BY_STORE,
        permissions.send(alice, Channel.group("team"), aliceGroups), "the store has the last word on membership");
    assertEquals(ErrorCode.FORBIDDEN, refusal(() -> permissions.send(alice, Channel.group("other"), aliceGroups)));
    assertEquals(Permissions.Send.NO_MEMBERSHIP_NEEDED, permissions.send(alice, Channel.user("bob"), aliceGroups));
    assertEquals(Permissions.Send.NO_MEMBERSHIP_NEEDED, permissions.send(alice, Channel.user("alice"), aliceGroups));
    assertEquals(ErrorCode.FORBIDDEN, refusal(() -> permissions.send(alice, Channel.BROADCAST, aliceGroups)));
    assertEquals(Permissions.Send.NO_MEMBERSHIP_NEEDED, permissions.send(admin, Channel.BROADCAST, Set.of()));
  }

  @Test
  void theApplicationPublishesAnywhereWithoutMembership() {
    for (Channel to : new Channel[] {Channel.group("any"), Channel.user("bob"), Channel.BROADCAST}) {
      assertEquals(Permissions.Send.NO_MEMBERSHIP_NEEDED, permissions.publishAsApplication(to));
    }
  }

  @Test
  void onlyGroupsAreJoinedAndLeft() {
    assertEquals("team", Await.result(permissions.join(alice, "s1", Channel.group("team"), null)));
    assertEquals("new", Await.result(permissions.join(alice, "s1", Channel.group("new"), null)), "v1 groups are open");
    assertEquals("team", permissions.leave(alice, Channel.group("team")));
    for (Channel automatic : new Channel[] {Channel.user("alice"), Channel.BROADCAST}) {
      assertEquals(ErrorCode.BAD_REQUEST, refusal(() -> permissions.join(alice, "s1", automatic, null)));
      assertEquals(ErrorCode.BAD_REQUEST, refusal(() -> permissions.leave(alice, automatic)));
    }
  }

  /** Closed but public.*; a join token "ok-for-alice" grants alice group/vip; bob is stored in group/board. */
  private final Permissions closed = new Permissions(NamePatterns.parse("public.*"), true,
      (token, user, channel) -> Future.succeededFuture(token.equals("ok-for-" + user) && channel.name().equals("group/vip")),
      (user, group) -> Future.succeededFuture(user.equals("bob") && group.equals("board")), null);

  private ErrorCode joinRefusal(Identity who, String group, String token) {
    Throwable failure = Await.failure(closed.join(who, "s1", Channel.group(group), token));
    return ((ProtocolException) failure).code();
  }

  @Test
  void aClosedGroupTakesAGrantTheFirstThatHoldsWins() {
    assertEquals("public.lobby", Await.result(closed.join(alice, "s1", Channel.group("public.lobby"), null)), "open");
    assertEquals(ErrorCode.FORBIDDEN, joinRefusal(alice, "vip", null));
    Identity claimed = new Identity("alice", false, NamePatterns.of(List.of("vip", "team.*")), 0, 0);
    assertEquals("vip", Await.result(closed.join(claimed, "s1", Channel.group("vip"), null)), "the token's groups");
    assertEquals("team.red", Await.result(closed.join(claimed, "s1", Channel.group("team.red"), null)), "a prefix");
    assertEquals("vip", Await.result(closed.join(alice, "s1", Channel.group("vip"), "ok-for-alice")), "a join token");
    assertEquals(ErrorCode.FORBIDDEN, joinRefusal(alice, "vip", "ok-for-bob"), "another user's token is no grant");
    assertEquals(ErrorCode.FORBIDDEN, joinRefusal(alice, "board", "ok-for-alice"), "a token of another channel");
    Identity bob = new Identity("bob", false);
    assertEquals("board", Await.result(closed.join(bob, "s1", Channel.group("board"), null)), "the application's membership");
    assertEquals(ErrorCode.FORBIDDEN, joinRefusal(bob, "vip", null));
  }

  @Test
  void theJoinHookIsAskedLastAndOnlyWhenNoOtherGrantHolds() {
    List<String> asked = new java.util.ArrayList<>();
    Permissions hooked = new Permissions(NamePatterns.parse("public.*"), true,
        (token, user, channel) -> Future.succeededFuture(token.equals("ok-for-" + user)),
        (user, group) -> Future.succeededFuture(group.equals("board")),
        (user, group, session) -> {
          asked.add(user + "/" + group + "/" + session);
          return switch (group) {
            case "paid" -> Future.succeededFuture();
            case "down" -> Future.failedFuture(new ProtocolException(ErrorCode.UNAVAILABLE, "hook down"));
            default -> Future.failedFuture(new ProtocolException(ErrorCode.FORBIDDEN, "not paid"));
          };
        });
    assertEquals("public.x", Await.result(hooked.join(alice, "s1", Channel.group("public.x"), null)));
    assertEquals("vip", Await.result(hooked.join(alice, "s1", Channel.group("vip"), "ok-for-alice")));
    assertEquals("board", Await.result(hooked.join(alice, "s1", Channel.group("board"), null)));
    assertEquals(List.of(), asked, "a grant that holds is never a reason to ask the hook");
    assertEquals("paid", Await.result(hooked.join(alice, "s1", Channel.group("paid"), null)));
    assertEquals(List.of("alice/paid/s1"), asked);
    Throwable refused = Await.failure(hooked.join(alice, "s1", Channel.group("free"), null));
    assertEquals(ErrorCode.FORBIDDEN, ((ProtocolException) refused).code());
    assertEquals("not paid", refused.getMessage(), "the application's own words");
    Throwable down = Await.failure(hooked.join(alice, "s1", Channel.group("down"), null));
    assertEquals(ErrorCode.UNAVAILABLE, ((ProtocolException) down).code(), "a hook that fails never says yes");
  }

  @Test
  void privatePresenceKeepsOtherUsersAndBroadcastToThemselves() {
    assertDoesNotThrow(() -> closed.presence(alice, Channel.user("alice"), aliceGroups));
    assertDoesNotThrow(() -> closed.presence(alice, Channel.group("team"), aliceGroups));
    assertEquals(ErrorCode.FORBIDDEN, refusal(() -> closed.presence(alice, Channel.user("bob"), aliceGroups)));
    assertEquals(ErrorCode.FORBIDDEN, refusal(() -> closed.presence(alice, Channel.BROADCAST, aliceGroups)));
  }

  @Test
  void historyOfTheUsersOwnChannelTheirGroupsAndBroadcastOnly() {
    assertDoesNotThrow(() -> permissions.history(alice, Channel.user("alice"), aliceGroups));
    assertDoesNotThrow(() -> permissions.history(alice, Channel.group("team"), aliceGroups));
    assertDoesNotThrow(() -> permissions.history(alice, Channel.BROADCAST, aliceGroups));
    assertEquals(ErrorCode.FORBIDDEN, refusal(() -> permissions.history(alice, Channel.user("bob"), aliceGroups)));
    assertEquals(ErrorCode.FORBIDDEN, refusal(() -> permissions.history(alice, Channel.group("other"), aliceGroups)));
    assertEquals(ErrorCode.FORBIDDEN, refusal(() -> permissions.history(admin, Channel.user("alice"), Set.of())),
        "not even an admin reads another user's direct messages");
  }

  @Test
  void presenceOfAnyUserOfTheirGroupsAndOfEveryone() {
    assertDoesNotThrow(() -> permissions.presence(alice, Channel.user("bob"), aliceGroups));
    assertDoesNotThrow(() -> permissions.presence(alice, Channel.group("team"), aliceGroups));
    assertDoesNotThrow(() -> permissions.presence(alice, Channel.BROADCAST, aliceGroups));
    assertEquals(ErrorCode.FORBIDDEN, refusal(() -> permissions.presence(alice, Channel.group("other"), aliceGroups)));
  }
}
