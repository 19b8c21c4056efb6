using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>Values that percent-encoding could not carry intact are refused before any request.</summary>
    public class HostileInputTests
    {
        // Built here, in one test: neither an attribute argument nor xunit's serialized theory data keeps an
        // unpaired surrogate (both store strings as UTF-8).
        private static readonly string[] UnpairedSurrogates =
        {
            "a" + (char)0xD800 + "b",
            "a" + (char)0xDC00 + "b",
            ((char)0xD83D).ToString(),
            "ab" + (char)0xDE00 + (char)0xD83D,
        };

        [Fact]
        public async Task UnpairedSurrogatesAreRefusedBeforeAnyRequest()
        {
            foreach (string value in UnpairedSurrogates)
            {
                var handler = new TestHandler();
                using var client = TestClient.Create(handler);

                var product = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync(value, "T1"));
                var token = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", value, null));
                var payload = await Assert.ThrowsAsync<OneStoreApiException>(() => client.AcknowledgeAsync("p", "T1", value));

                Assert.Equal(OneStoreErrorCodes.InvalidProductId, product.Code);
                Assert.Equal(OneStoreErrorCodes.InvalidPurchaseToken, token.Code);
                Assert.Equal(OneStoreErrorCodes.InvalidDeveloperPayload, payload.Code);
                Assert.Contains("unpaired surrogate", product.Message);
                Assert.Empty(handler.Requests);
            }
        }

        [Theory]
        [InlineData("gem\U0001F48E")]
        [InlineData("다이아100")]
        [InlineData("a\u200Bb")]
        public void PairedSurrogatesAndOtherUnicodeAreAccepted(string value)
        {
            OneStoreInput.ValidateProductId(value);
            OneStoreInput.ValidatePurchaseToken(value);
            OneStoreInput.ValidateDeveloperPayload(value);
        }
    }
}
