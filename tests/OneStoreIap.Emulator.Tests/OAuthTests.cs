using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Tests
{
    public sealed class OAuthTests : EmulatorTestBase, IClassFixture<FrozenClockFixture>
    {
        private const string Form = "grant_type=client_credentials&client_id=com.onestore.sample&client_secret=sample-client-secret-0000";

        public OAuthTests(FrozenClockFixture fixture) : base(fixture) { }

        [Fact]
        public async Task Issues_a_bearer_token_with_the_specs_members()
        {
            var reply = await TokenRequestAsync(Form, "application/x-www-form-urlencoded;charset=UTF-8", "MKT_GLB");

            Assert.Equal(200, reply.Status);
            Assert.Equal(JsonType, reply.ContentType);
            var root = reply.Json;
            Assert.Equal(new[] { "client_id", "access_token", "token_type", "expires_in", "scope" }, Names(root));
            Assert.Equal(Sample, root.GetProperty("client_id").GetString());
            Assert.Equal("bearer", root.GetProperty("token_type").GetString());
            Assert.Equal(3600, root.GetProperty("expires_in").GetInt32());
            Assert.Equal("DEFAULT", root.GetProperty("scope").GetString());
            var token = root.GetProperty("access_token").GetString()!;
            Assert.Equal(36, token.Length);
            Assert.True(Guid.TryParseExact(token, "D", out _));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("application/json")]
        [InlineData("text/plain")]
        [InlineData("multipart/form-data; boundary=x")]
        public async Task Refuses_a_body_that_is_not_form_encoded(string? contentType)
        {
            AssertError(await TokenRequestAsync(Form, contentType), 415, "InvalidContentType", "The request content-type is invalid.");
        }

        [Theory]
        [InlineData("client_id=com.onestore.sample&client_secret=sample-client-secret-0000", "[ grant_type ]")]
        [InlineData("grant_type=client_credentials&client_secret=sample-client-secret-0000", "[ client_id ]")]
        [InlineData("grant_type=client_credentials&client_id=com.onestore.sample&client_secret=", "[ client_secret ]")]
        [InlineData("", "[ client_id, client_secret, grant_type ]")]
        public async Task Names_the_missing_fields(string body, string fields)
        {
            AssertError(await TokenRequestAsync(body), 400, "RequiredValueNotExist", "Request parameters are required. " + fields);
        }

        [Fact]
        public async Task Refuses_another_grant_type()
        {
            var reply = await TokenRequestAsync("grant_type=password&client_id=com.onestore.sample&client_secret=sample-client-secret-0000");
            AssertError(reply, 400, "InvalidRequest", "Request parameters are invalid. [ grant_type ]");
        }

        [Theory]
        [InlineData("com.onestore.sample", "wrong-secret")]
        [InlineData("com.onestore.sample", "SAMPLE-CLIENT-SECRET-0000")]
        [InlineData("com.unknown.app", "sample-client-secret-0000")]
        [InlineData("com.onestore.other", "sample-client-secret-0000")]
        public async Task Refuses_unknown_clients_and_wrong_secrets(string clientId, string secret)
        {
            var reply = await TokenRequestAsync("grant_type=client_credentials&client_id=" + E(clientId) + "&client_secret=" + E(secret));
            AssertError(reply, 403, "UnauthorizedAccess", "Not authorized to access this API.");
        }

        [Fact]
        public async Task Refuses_an_unknown_market()
        {
            AssertError(await TokenRequestAsync(Form, market: "MKT_XXX"), 400, "InvalidRequest", "Request parameters are invalid. [ x-market-code ]");
        }

        [Fact]
        public async Task Refuses_a_blocked_app()
        {
            await ControlAsync(HttpMethod.Post, "apps", new { clientId = Other, clientSecret = OtherSecret, blocked = true });
            var reply = await TokenRequestAsync("grant_type=client_credentials&client_id=com.onestore.other&client_secret=other-client-secret-0000");
            AssertError(reply, 403, "AccessBlocked", "The request was blocked.");
        }

        [Fact]
        public async Task Allows_only_post()
        {
            var reply = await SendAsync(HttpMethod.Get, "/v7/oauth/token", null);
            AssertError(reply, 405, "MethodNotAllowed", "HTTP method not supported.");
        }

        [Fact]
        public async Task Returns_the_same_token_while_more_than_600_seconds_remain_then_a_new_one()
        {
            var first = (await TokenRequestAsync(Form)).Json;
            var t1 = first.GetProperty("access_token").GetString()!;
            Assert.Equal(3600, first.GetProperty("expires_in").GetInt32());

            await AdvanceAsync(new { seconds = 2999 }); // 601 s left
            var again = (await TokenRequestAsync(Form)).Json;
            Assert.Equal(t1, again.GetProperty("access_token").GetString());
            Assert.Equal(601, again.GetProperty("expires_in").GetInt32());

            await AdvanceAsync(new { seconds = 2 }); // 599 s left: renewed
            var renewed = (await TokenRequestAsync(Form)).Json;
            var t2 = renewed.GetProperty("access_token").GetString()!;
            Assert.NotEqual(t1, t2);
            Assert.Equal(3600, renewed.GetProperty("expires_in").GetInt32());

            // the old token stays valid until it expires
            var path = PurchasePath("inapp", "gem_100", "INAPP-ACK-0001");
            Assert.Equal(200, (await GetAsync(path, t1)).Status);
            Assert.Equal(200, (await GetAsync(path, t2)).Status);

            await AdvanceAsync(new { seconds = 600 }); // t1 is now 3,601 s old
            AssertError(await GetAsync(path, t1), 401, "AccessTokenExpired", "Access token has expired.");
            Assert.Equal(200, (await GetAsync(path, t2)).Status);

            var issued = (await ControlAsync(HttpMethod.Get, "tokens")).GetProperty("tokens").EnumerateArray()
                .Select(t => t.GetProperty("accessToken").GetString()).ToList();
            Assert.Contains(t1, issued);
            Assert.Contains(t2, issued);
        }

        [Fact]
        public async Task Keeps_one_current_token_per_client()
        {
            var sample = await TokenAsync();
            var other = await TokenAsync(Other, OtherSecret);
            Assert.NotEqual(sample, other);
            Assert.Equal(sample, await TokenAsync());
        }
    }
}
