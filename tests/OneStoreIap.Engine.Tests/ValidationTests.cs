using System;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    public class ValidationTests
    {
        public static TheoryData<string?, string> BadProductIds => new()
        {
            { null, "empty" },
            { "", "empty" },
            { "   ", "blank" },
            { "\t", "blank" },
            { new string('p', 151), "151 characters" },
            { "a/b", "'/'" },
            { "/", "'/'" },
            { "a\nb", "control character" },
            { "a\u0000b", "control character" },
            { "a\u007fb", "control character" },
            { ".", "relative" },
            { "..", "relative" },
            { " gem", "whitespace" },
            { "gem ", "whitespace" },
        };

        [Theory]
        [MemberData(nameof(BadProductIds))]
        public async Task BadProductIdsAreRefusedBeforeAnyRequest(string? productId, string reason)
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync(productId!, "T1"));

            Assert.Equal(OneStoreErrorKind.Validation, e.Kind);
            Assert.Equal(OneStoreErrorCodes.InvalidProductId, e.Code);
            Assert.Contains(reason, e.Message);
            Assert.Empty(handler.Requests);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData(" ")]
        [InlineData("123456789012345678901")]
        [InlineData("T/1")]
        [InlineData("T\r1")]
        public async Task BadPurchaseTokensAreRefusedBeforeAnyRequest(string? token)
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", token!, null));

            Assert.Equal(OneStoreErrorCodes.InvalidPurchaseToken, e.Code);
            Assert.Empty(handler.Requests);
        }

        [Fact]
        public void SpecLengthsAreTheLimitsNotOneLess()
        {
            OneStoreInput.ValidateProductId(new string('p', 150));
            OneStoreInput.ValidatePurchaseToken(new string('T', 20));
            OneStoreInput.ValidateClientId(new string('c', 128));
            OneStoreInput.ValidateDeveloperPayload(new string('d', 200));
            Assert.Equal(OneStoreErrorCodes.InvalidClientId,
                Assert.Throws<OneStoreApiException>(() => OneStoreInput.ValidateClientId(new string('c', 129))).Code);
        }

        [Theory]
        [InlineData(201)]
        public async Task LongDeveloperPayloadsAreRefused(int length)
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.AcknowledgeAsync("p", "T", new string('d', length)));

            Assert.Equal(OneStoreErrorCodes.InvalidDeveloperPayload, e.Code);
            Assert.Empty(handler.Requests);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(101)]
        [InlineData(-1)]
        public async Task PageSizesOutsideTheSpecsRangeAreRefused(int maxResults)
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetVoidedPurchasesPageAsync(new PurchaseListQuery { MaxResults = maxResults }));

            Assert.Equal(OneStoreErrorCodes.InvalidMaxResults, e.Code);
            Assert.Empty(handler.Requests);
        }

        [Fact]
        public async Task AWindowEndingBeforeItStartsIsRefused()
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() =>
                client.GetUnconfirmedPurchasesPageAsync(new PurchaseListQuery { StartTimeMillis = 10, EndTimeMillis = 5 }));

            Assert.Equal(OneStoreErrorCodes.InvalidTimeRange, e.Code);
            Assert.Empty(handler.Requests);
        }

        [Fact]
        public async Task DeferPeriodMustBePositive()
        {
            var handler = new TestHandler();
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.DeferSubscriptionAsync("p", "T", 0));

            Assert.Equal(OneStoreErrorCodes.InvalidDeferPeriod, e.Code);
            Assert.Empty(handler.Requests);
        }

        [Theory]
        [InlineData("")]
        [InlineData("a/b")]
        [InlineData(null)]
        public void BadClientIdsAreRefusedWhenTheClientIsMade(string? clientId)
        {
            var e = Assert.Throws<OneStoreApiException>(() =>
                new OneStoreClient(new OneStoreClientOptions(new Uri("https://iap.test"), clientId!, TestClient.Secure("s"))));
            Assert.Equal(OneStoreErrorCodes.InvalidClientId, e.Code);
        }

        [Fact]
        public void UnknownMarketCodesAreRefused()
        {
            var e = Assert.Throws<OneStoreApiException>(() =>
                new OneStoreClient(new OneStoreClientOptions(new Uri("https://iap.test"), "app", TestClient.Secure("s"), "MKT_XYZ")));
            Assert.Equal(OneStoreErrorCodes.InvalidMarketCode, e.Code);
        }
    }
}
