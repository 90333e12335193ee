package chat.gateway.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HookSignerTest {
  @Test
  void signsTimestampDotBodyWithHmacSha256AsTheContractSays() {
    // openssl: printf '1700000000000.{"user":"alice"}' | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
    HookSigner signer = new HookSigner("0123456789abcdef0123456789abcdef");
    assertEquals("v1=9316302a1e2877c9258114670bbc8fca628cafb5c3e3f0740920fc10cbb82de8",
        signer.sign(1_700_000_000_000L, "{\"user\":\"alice\"}".getBytes(StandardCharsets.UTF_8)));
    assertEquals(signer.sign(1L, new byte[] {1}), signer.sign(1L, new byte[] {1}), "a Mac is reused cleanly");
  }
}
