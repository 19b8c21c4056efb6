using System.Collections.Generic;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Tests
{
    public sealed class HttpListenerHostTests
    {
        [Fact]
        public async Task Serves_the_same_rules_in_process()
        {
            using var host = EmulatorHttpListenerHost.Start(new OneStoreEmulator());
            using var http = new HttpClient { BaseAddress = host.BaseUri };

            var tokenReply = await http.PostAsync("/v7/oauth/token", new FormUrlEncodedContent(new[]
            {
                new KeyValuePair<string, string>("grant_type", "client_credentials"),
                new KeyValuePair<string, string>("client_id", "com.onestore.sample"),
                new KeyValuePair<string, string>("client_secret", "sample-client-secret-0000"),
            }));
            Assert.Equal(200, (int)tokenReply.StatusCode);
            var token = JsonDocument.Parse(await tokenReply.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();

            var lookup = new HttpRequestMessage(HttpMethod.Get, "/v7/apps/com.onestore.sample/purchases/inapp/products/%EB%8B%A4%EC%9D%B4%EC%95%84100_20170818000000/INAPP-NEW-0001");
            lookup.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            var details = await http.SendAsync(lookup);
            Assert.Equal(200, (int)details.StatusCode);
            Assert.Contains("\"purchaseId\":\"INAPPNEW0001\"", await details.Content.ReadAsStringAsync());

            var slash = new HttpRequestMessage(HttpMethod.Get, "/v7/apps/com.onestore.sample/purchases/inapp/products/a%2Fb/INAPP-NEW-0001");
            slash.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            var html = await http.SendAsync(slash);
            Assert.Equal(404, (int)html.StatusCode);
            Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);

            var fault = await http.PostAsync("/_emulator/faults", new StringContent("{\"route\":\"getPurchaseDetails\",\"drop\":\"before\",\"count\":1}", Encoding.UTF8, "application/json"));
            Assert.Equal(200, (int)fault.StatusCode);
            var dropped = new HttpRequestMessage(HttpMethod.Get, "/v7/apps/com.onestore.sample/purchases/inapp/products/gem_100/INAPP-ACK-0001");
            dropped.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(dropped));
        }
    }
}
