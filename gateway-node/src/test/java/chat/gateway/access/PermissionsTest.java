package chat.gateway.access;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import chat.gateway.auth.Identity;
import chat.protocol.Channel;
import chat.protocol.ErrorCode;
import chat.protocol.ProtocolException;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class PermissionsTest {
  private final Permissions permissions = new Permissions();
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
    assertEquals("team", permissions.join(alice, Channel.group("team")));
    assertEquals("new", permissions.join(alice, Channel.group("new")), "v1 groups are open");
    assertEquals("team", permissions.leave(alice, Channel.group("team")));
    for (Channel automatic : new Channel[] {Channel.user("alice"), Channel.BROADCAST}) {
      assertEquals(ErrorCode.BAD_REQUEST, refusal(() -> permissions.join(alice, automatic)));
      assertEquals(ErrorCode.BAD_REQUEST, refusal(() -> permissions.leave(alice, automatic)));
    }
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
