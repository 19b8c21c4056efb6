using System;
using System.Text;
using System.Threading.Tasks;
using OneStoreIap.Emulator.Internal;

namespace OneStoreIap.Emulator.Tests
{
    /// <summary>The host-neutral surface and helpers, without HTTP.</summary>
    public sealed class CoreTests
    {
        [Theory]
        [InlineData("-2h", -2 * 3600_000L)]
        [InlineData("+30d", 30 * 86_400_000L)]
        [InlineData("-1d12h", -36 * 3600_000L)]
        [InlineData("-500ms", -500L)]
        [InlineData("-90m", -90 * 60_000L)]
        [InlineData("10s", 10_000L)]
        [InlineData("now", 0L)]
        public void Parses_relative_times(string text, long offset)
        {
            const long now = 1_700_000_000_000L;
            Assert.True(Time.TryParseRelative(text, now, out var value));
            Assert.Equal(now + offset, value);
        }

        [Theory]
        [InlineData("")]
        [InlineData("-")]
        [InlineData("2x")]
        [InlineData("h")]
        [InlineData("yesterday")]
        public void Refuses_malformed_relative_times(string text)
        {
            Assert.False(Time.TryParseRelative(text, 0, out _));
        }

        [Theory]
        [InlineData("Bearer 680b3621-1234-1234-1234-8adfaef561b4", "680b3621-1234-1234-1234-8adfaef561b4")]
        [InlineData("Bearer abc==", "abc==")]
        [InlineData("Bearer a=b", null)]
        [InlineData("Bearer <abc>", null)]
        [InlineData("bearer abc", null)]
        [InlineData("Bearer", null)]
        [InlineData(null, null)]
        public void Reads_only_exact_bearer_headers(string? header, string? token)
        {
            Assert.Equal(token, ApiHandler.BearerToken(header));
        }

        [Fact]
        public void Round_trips_continuation_keys()
        {
            var key = ApiHandler.MakeKey(voided: true, 1_795_587_873_839L, "26112506243300000261");
            Assert.True(key.Length <= 41);
            Assert.True(ApiHandler.TryParseKey(key, voided: true, out var time, out var id));
            Assert.Equal(1_795_587_873_839L, time);
            Assert.Equal("26112506243300000261", id);
            Assert.False(ApiHandler.TryParseKey(key, voided: false, out _, out _));
        }

        [Fact]
        public void Splits_the_raw_path_before_decoding()
        {
            var target = Target.Parse("/v7/apps/a%2Fb/x%2By%3D%25?maxResults=5");
            Assert.True(target.EncodedSlash);
            Assert.Equal(new[] { "v7", "apps", "a/b", "x+y=%" }, target.Segments);
            Assert.Equal("maxResults=5", target.RawQuery);
            Assert.Null(Target.Parse("/v7/%E0%A4").Segments); // invalid UTF-8
        }

        [Fact]
        public async Task Answers_requests_without_any_host()
        {
            var emulator = new OneStoreEmulator(new EmulatorOptions { SeedJson = "{\"apps\":[{\"clientId\":\"c\",\"clientSecret\":\"s\"}]}" });
            var reply = await emulator.HandleAsync(EmulatorRequest.Create("POST", "/v7/oauth/token",
                new[] { new System.Collections.Generic.KeyValuePair<string, string>("content-type", "application/x-www-form-urlencoded") },
                Encoding.UTF8.GetBytes("grant_type=client_credentials&client_id=c&client_secret=s")));
            Assert.Equal(200, reply.Status);
            Assert.Equal("issueToken", reply.Route);
            Assert.Contains("\"client_id\":\"c\"", Encoding.UTF8.GetString(reply.Body));
        }

        [Theory]
        [InlineData("{\"apps\":[{\"clientId\":\"c\"}]}")]
        [InlineData("{\"apps\":[{\"clientId\":\"c\",\"clientSecret\":\"s\"}],\"purchases\":[{\"clientId\":\"c\",\"productId\":\"p\",\"purchaseToken\":\"123456789012345678901\"}]}")]
        [InlineData("{\"apps\":[{\"clientId\":\"c\",\"clientSecret\":\"s\"}],\"purchases\":[{\"clientId\":\"x\",\"productId\":\"p\"}]}")]
        [InlineData("{\"apps\":[{\"clientId\":\"c\",\"clientSecret\":\"s\",\"markets\":[\"MKT_XX\"]}]}")]
        [InlineData("not json")]
        public void Refuses_an_invalid_seed(string seed)
        {
            Assert.Throws<ArgumentException>(() => new OneStoreEmulator(new EmulatorOptions { SeedJson = seed }));
        }
    }
}
