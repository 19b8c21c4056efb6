using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Tests
{
    public sealed class AuthorizationTests : EmulatorTestBase, IClassFixture<EmulatorFixture>
    {
        private static readonly string AckPath = PurchasePath("inapp", "gem_100", "INAPP-ACK-0001");

        public AuthorizationTests(EmulatorFixture fixture) : base(fixture) { }

        // The spec's four incorrect examples, with the token pasted in, and a few more malformed headers.
        [Theory]
        [InlineData("{0}")]
        [InlineData("bearer {0}")]
        [InlineData("Bearer <{0}>")]
        [InlineData("Bearer{0}")]
        [InlineData("Bearer  {0}")]
        [InlineData("BEARER {0}")]
        [InlineData("Basic {0}")]
        [InlineData("Bearer ")]
        [InlineData("")]
        public async Task Refuses_an_authorization_header_not_exactly_Bearer_token(string format)
        {
            var token = await TokenAsync();
            var reply = await SendAsync(HttpMethod.Get, AckPath, null, authorization: string.Format(format, token));
            AssertError(reply, 400, "InvalidAuthorizationHeader", "Authorization header is invalid.");
        }

        [Fact]
        public async Task Refuses_a_missing_authorization_header()
        {
            AssertError(await SendAsync(HttpMethod.Get, AckPath, null), 400, "InvalidAuthorizationHeader");
        }

        [Fact]
        public async Task Accepts_exactly_Bearer_token()
        {
            var token = await TokenAsync();
            Assert.Equal(200, (await SendAsync(HttpMethod.Get, AckPath, null, authorization: "Bearer " + token)).Status);
        }

        [Fact]
        public async Task Refuses_an_unknown_token()
        {
            AssertError(await GetAsync(AckPath, "680b3621-1234-1234-1234-8adfaef561b4"), 401, "InvalidAccessToken", "Access token is invalid.");
        }

        [Fact]
        public async Task Refuses_a_token_of_another_client()
        {
            var otherToken = await TokenAsync(Other, OtherSecret);
            AssertError(await GetAsync(AckPath, otherToken), 403, "UnauthorizedAccess", "Not authorized to access this API.");
        }

        [Fact]
        public async Task Refuses_a_blocked_app_with_a_valid_token()
        {
            var token = await TokenAsync();
            await ControlAsync(HttpMethod.Post, "apps", new { clientId = Sample, clientSecret = SampleSecret, markets = new[] { "MKT_ONE", "MKT_GLB" }, blocked = true });
            AssertError(await GetAsync(AckPath, token), 403, "AccessBlocked", "The request was blocked.");
        }

        [Theory]
        [InlineData("text/plain")]
        [InlineData("application/x-www-form-urlencoded")]
        public async Task Refuses_a_post_whose_content_type_is_not_json(string contentType)
        {
            var token = await TokenAsync();
            var reply = await SendAsync(HttpMethod.Post, PurchasePath("all", "gem_100", "INAPP-NEW-0003", "acknowledge"), token, "{}", contentType: contentType);
            AssertError(reply, 415, "InvalidContentType", "The request content-type is invalid.");
            Assert.Equal(0, (await PurchaseStateAsync("INAPP-NEW-0003")).GetProperty("acknowledgeState").GetInt32());
        }

        [Theory]
        [InlineData("GET", "/v7/apps/com.onestore.sample/purchases/inapp/products/gem_100/INAPP-NEW-0003/consume")]
        [InlineData("POST", "/v7/apps/com.onestore.sample/purchases/inapp/products/gem_100/INAPP-NEW-0003")]
        [InlineData("DELETE", "/v7/apps/com.onestore.sample/purchases/subscription/products/premium_monthly/SUB-ACTIVE-0001")]
        [InlineData("PUT", "/v7/apps/com.onestore.sample/voided-purchases")]
        [InlineData("POST", "/v7/apps/com.onestore.sample/unconfirmed-purchases")]
        [InlineData("GET", "/v7/apps/com.onestore.sample/purchases/all/products/gem_100/INAPP-NEW-0003/acknowledge")]
        public async Task Answers_a_wrong_method_with_MethodNotAllowed(string method, string path)
        {
            var token = await TokenAsync();
            AssertError(await SendAsync(new HttpMethod(method), path, token), 405, "MethodNotAllowed", "HTTP method not supported.");
        }

        [Theory]
        [InlineData("/")]
        [InlineData("/v7")]
        [InlineData("/v6/apps/com.onestore.sample/voided-purchases")]
        [InlineData("/v7/apps/com.onestore.sample/refunds")]
        [InlineData("/v7/apps/com.onestore.sample/purchases/all/products/gem_100/INAPP-NEW-0003")]
        [InlineData("/v7/apps/com.onestore.sample/purchases/inapp/products/gem_100/INAPP-NEW-0003/acknowledge")]
        [InlineData("/v7/apps/com.onestore.sample/purchases/inapp/products//INAPP-NEW-0003")]
        [InlineData("/v7/oauth/token/")]
        public async Task Answers_an_unknown_path_with_ResourceNotFound(string path)
        {
            var token = await TokenAsync();
            AssertError(await SendAsync(HttpMethod.Get, path, token), 404, "ResourceNotFound", "The requested resource could not be found.");
        }

        [Theory]
        [InlineData("%2F")]
        [InlineData("%2f")]
        public async Task Answers_an_encoded_slash_with_an_html_404(string slash)
        {
            var token = await TokenAsync();
            var reply = await GetAsync("/v7/apps/com.onestore.sample/purchases/inapp/products/gem" + slash + "100/INAPP-ACK-0001", token);
            Assert.Equal(404, reply.Status);
            Assert.StartsWith("text/html", reply.ContentType);
            Assert.Contains("<html>", reply.Body);
        }

        [Theory]
        [InlineData("gem+10=bonus")]
        [InlineData("100%off")]
        [InlineData("한글 상품")]
        [InlineData("dots..and.")]
        public async Task Delivers_other_encoded_characters_intact(string productId)
        {
            var added = await ControlAsync(HttpMethod.Post, "purchases", new { clientId = Sample, productId, acknowledged = true });
            var purchaseToken = added.GetProperty("purchaseToken").GetString()!;
            var token = await TokenAsync();

            var reply = await GetAsync(PurchasePath("inapp", productId, purchaseToken), token);

            Assert.True(reply.Status == 200, reply.ToString());
            var seen = (await ControlAsync(HttpMethod.Get, "requests?last=1")).GetProperty("requests")[0];
            Assert.Equal("getPurchaseDetails", seen.GetProperty("route").GetString());
            Assert.Equal(productId, seen.GetProperty("segments")[6].GetString());
        }

        [Theory]
        [InlineData(129, 10, 10, "clientId")]
        [InlineData(10, 151, 10, "productId")]
        [InlineData(10, 10, 21, "purchaseToken")]
        public async Task Refuses_path_values_longer_than_the_spec_sizes(int clientIdLength, int productIdLength, int tokenLength, string field)
        {
            var token = await TokenAsync();
            var clientId = clientIdLength == 10 ? Sample : new string('c', clientIdLength);
            var reply = await GetAsync(PurchasePath("inapp", new string('p', productIdLength), new string('t', tokenLength), clientId: clientId), token);
            AssertError(reply, 400, "InvalidRequest", "Request parameters are invalid. [ " + field + " ]");
        }

        [Fact]
        public async Task Accepts_path_values_of_exactly_the_spec_sizes()
        {
            var token = await TokenAsync();
            var reply = await GetAsync(PurchasePath("inapp", new string('p', 150), new string('t', 20)), token);
            AssertError(reply, 404, "NoSuchData", "The requested data could not be found.");
        }

        [Theory]
        [InlineData("MKT_XXX")]
        [InlineData("mkt_one")]
        [InlineData("")]
        public async Task Refuses_an_unknown_market_code(string market)
        {
            var token = await TokenAsync();
            AssertError(await GetAsync(AckPath, token, market), 400, "InvalidRequest", "Request parameters are invalid. [ x-market-code ]");
        }

        [Theory]
        [InlineData("INAPP-ACK-0001", null, 200)]
        [InlineData("INAPP-ACK-0001", "MKT_ONE", 200)]
        [InlineData("INAPP-ACK-0001", "MKT_GLB", 404)]
        [InlineData("GLB-INAPP-ACK-0001", null, 404)]
        [InlineData("GLB-INAPP-ACK-0001", "MKT_ONE", 404)]
        [InlineData("GLB-INAPP-ACK-0001", "MKT_GLB", 200)]
        public async Task Finds_a_purchase_only_in_its_market(string purchaseToken, string? market, int status)
        {
            var token = await TokenAsync();
            var reply = await GetAsync(PurchasePath("inapp", "gem_100", purchaseToken), token, market);
            if (status == 200) Assert.True(reply.Status == 200, reply.ToString());
            else AssertError(reply, 404, "NoSuchData");
        }

        [Fact]
        public async Task Logs_requests_with_the_token_and_secret_masked()
        {
            var token = await TokenAsync();
            await GetAsync(AckPath, token);
            var log = (await ControlAsync(HttpMethod.Get, "requests?last=10")).GetProperty("requests");
            var text = log.ToString();
            Assert.DoesNotContain(token, text);
            Assert.DoesNotContain(SampleSecret, text);
            Assert.Equal("Bearer ***", log[log.GetArrayLength() - 1].GetProperty("headers").GetProperty("authorization").GetString());
            Assert.Equal("issueToken", log[0].GetProperty("route").GetString());
        }
    }
}
