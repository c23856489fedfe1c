package io.gpucloud.adapters.redis;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisUrlTest {

    @Test
    void parse_railwaysPublicProxyUrl_readsUserPasswordHostAndPort() {
        RedisUrl url = RedisUrl.parse("redis://default:AbCdEf123@roundhouse.proxy.rlwy.net:12345");

        assertAll(
                () -> assertFalse(url.tls()),
                () -> assertEquals(Optional.of("default"), url.username()),
                () -> assertEquals(Optional.of("AbCdEf123"), url.password()),
                () -> assertEquals("roundhouse.proxy.rlwy.net", url.host()),
                () -> assertEquals(12345, url.port()),
                () -> assertEquals(0, url.database()));
    }

    @Test
    void parse_rediss_meansTlsWithVerifiedCertificates() {
        RedisUrl url = RedisUrl.parse("rediss://user:pw@redis.example.com:6380/2");

        assertTrue(url.tls());
        assertTrue(url.verifyPeer());
        assertEquals(2, url.database());
        RedisURI lettuce = url.toLettuce(Duration.ofSeconds(2));
        assertTrue(lettuce.isSsl());
        assertEquals(SslVerifyMode.FULL, lettuce.getVerifyMode());
        assertEquals(2, lettuce.getDatabase());
    }

    @Test
    void parse_withSslCertReqsNone_skipsCertificateVerification() {
        RedisUrl url = RedisUrl.parse("rediss://:pw@ec2-1-2-3-4.compute-1.amazonaws.com:12345?ssl_cert_reqs=none");

        assertFalse(url.verifyPeer());
        assertEquals(SslVerifyMode.NONE, url.toLettuce(Duration.ofSeconds(2)).getVerifyMode());
    }

    @Test
    void parse_hostAlone_defaultsPortAndDatabaseWithoutCredentials() {
        RedisUrl url = RedisUrl.parse("redis://localhost");

        assertEquals(new RedisUrl(false, Optional.empty(), Optional.empty(), "localhost", 6379, 0, true), url);
    }

    @Test
    void parse_percentEncodedCredentials_areDecoded() {
        RedisUrl url = RedisUrl.parse("redis://us%65r:p%40ss%3Aw%2Frd%25+@host:1/0");

        assertEquals(Optional.of("user"), url.username());
        assertEquals(Optional.of("p@ss:w/rd%+"), url.password());
    }

    @Test
    void parse_unescapedAtInThePassword_splitsAtTheLastAt() {
        RedisUrl url = RedisUrl.parse("redis://default:p@ss@host:7000");

        assertEquals(Optional.of("p@ss"), url.password());
        assertEquals("host", url.host());
    }

    @Test
    void parse_passwordWithoutUser_isThePassword() {
        assertAll(
                () -> assertEquals(Optional.of("secret"), RedisUrl.parse("redis://:secret@host").password()),
                () -> assertEquals(Optional.empty(), RedisUrl.parse("redis://:secret@host").username()),
                () -> assertEquals(Optional.of("secret"), RedisUrl.parse("redis://secret@host").password()));
    }

    @Test
    void toLettuce_withUserAndPassword_authenticatesAsThatUser() {
        RedisURI lettuce = RedisUrl.parse("redis://alice:s3cret@host:6390/5").toLettuce(Duration.ofSeconds(3));

        RedisCredentials credentials = lettuce.getCredentialsProvider().resolveCredentials().block();
        assertEquals("alice", credentials.getUsername());
        assertArrayEquals("s3cret".toCharArray(), credentials.getPassword());
        assertEquals(6390, lettuce.getPort());
        assertEquals(Duration.ofSeconds(3), lettuce.getTimeout());
    }

    @Test
    void parse_ipv6Host_inBrackets() {
        RedisUrl url = RedisUrl.parse("redis://[::1]:6380");

        assertEquals("::1", url.host());
        assertEquals(6380, url.port());
        assertEquals("redis://[::1]:6380", url.describe());
    }

    @Test
    void describe_andToString_neverShowThePassword() {
        RedisUrl url = RedisUrl.parse("rediss://default:hunter2@host:6380/1");

        assertEquals("rediss://default:***@host:6380/1", url.describe());
        assertEquals(url.describe(), url.toString());
        assertFalse(url.toString().contains("hunter2"));
    }

    @Test
    void parse_malformedUrls_areRefusedWithoutEchoingThePassword() {
        for (String bad : new String[]{"", "localhost:6379", "http://host", "redis://", "redis://:hunter2@host:99999",
                "redis://:hunter2@host:port", "redis://host/db", "redis://:hunter2%zz@host", "redis://[::1"}) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse(bad), bad);
            assertFalse(refused.getMessage().contains("hunter2"), refused.getMessage());
        }
    }
}
