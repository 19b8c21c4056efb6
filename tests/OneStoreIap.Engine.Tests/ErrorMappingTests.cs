using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Engine.Tests
{
    public class ErrorMappingTests
    {
        // Standard Response Code: every error row of the spec's table, with its HTTP status.
        public static TheoryData<string, int, string> SpecCodes => new()
        {
            { "AccessBlocked", 403, "The request was blocked." },
            { "BadRequest", 400, "The request is invalid." },
            { "DeveloperPayloadNotMatch", 400, "The request developerPayload does not match the value passed in the purchase request." },
            { "InternalError", 500, "An undefined error has occurred." },
            { "InvalidAuthorizationHeader", 400, "Authorization header is invalid." },
            { "InvalidConsumeState", 409, "The purchase consumption status cannot be changed or has already been changed." },
            { "InvalidContentType", 415, "The request content-type is invalid." },
            { "InvalidPurchaseState", 409, "Purchase history does not exist or is not completed." },
            { "InvalidRequest", 400, "Request parameters are invalid. [ field1, field2, ... ]" },
            { "MethodNotAllowed", 405, "HTTP method not supported." },
            { "NoSuchData", 404, "The requested data could not be found." },
            { "RequiredValueNotExist", 400, "Request parameters are required. [ field1, field2, ... ]" },
            { "ResourceNotFound", 404, "The requested resource could not be found." },
            { "ServiceMaintenance", 503, "System maintenance is in progress." },
            { "UnauthorizedAccess", 403, "Not authorized to access this API." },
            { "AccessTokenExpired", 401, "Access token has expired." },
            { "InvalidAccessToken", 401, "Access token is invalid." },
        };

        [Theory]
        [MemberData(nameof(SpecCodes))]
        public async Task EachSpecCodeBecomesAnApiErrorWithStatusCodeAndMessage(string code, int status, string message)
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Error(status, code, message)) };
            using var client = TestClient.Create(handler, maxRetries: 0);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", "T", null));

            Assert.Equal(OneStoreErrorKind.Api, e.Kind);
            Assert.Equal(code, e.Code);
            Assert.Equal(status, e.HttpStatus);
            Assert.Equal(message, e.ServerMessage);
            Assert.Contains(code, e.Message);
            Assert.Contains(message, e.Message);
        }

        [Theory]
        [InlineData(503, true)]
        [InlineData(500, true)]
        [InlineData(502, true)]
        [InlineData(504, true)]
        [InlineData(429, true)]
        [InlineData(400, false)]
        [InlineData(404, false)]
        [InlineData(409, false)]
        [InlineData(403, false)]
        public async Task OnlyTransientStatusesAreRetried(int status, bool retried)
        {
            int calls = 0;
            var handler = new TestHandler
            {
                Api = _ => Task.FromResult(++calls == 1 ? TestHandler.Error(status, "Whatever") : TestHandler.Json(200, TestHandler.Success)),
            };
            using var client = TestClient.Create(handler, maxRetries: 3);

            if (retried)
            {
                OperationReply reply = await client.ConsumeAsync("p", "T", null);
                Assert.Equal("Success", reply.Code);
                Assert.Equal(2, handler.ApiRequests.Length);
                Assert.Equal(1, client.RetryCount);
            }
            else
            {
                var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", "T", null));
                Assert.Equal(status, e.HttpStatus);
                Assert.Single(handler.ApiRequests);
            }
        }

        [Fact]
        public async Task AHardOutageEndsWithTheServersCodeAfterTheBoundedRetries()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Error(503, "ServiceMaintenance", "System maintenance is in progress.")) };
            using var client = TestClient.Create(handler, maxRetries: 2);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal("ServiceMaintenance", e.Code);
            Assert.Equal(3, handler.ApiRequests.Length);
        }

        [Fact]
        public async Task NetworkFailuresAreNetworkErrors()
        {
            var handler = new TestHandler { Api = _ => throw new HttpRequestException("Connection reset by peer") };
            using var client = TestClient.Create(handler, maxRetries: 1);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(OneStoreErrorKind.Network, e.Kind);
            Assert.Equal(OneStoreErrorCodes.NetworkError, e.Code);
            Assert.Null(e.HttpStatus);
            Assert.Equal(2, handler.ApiRequests.Length);
        }

        [Fact]
        public async Task AnErrorStatusWithJsonButNoCodeIsAnHttpError()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(TestHandler.Json(418, "{\"teapot\":true}")) };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(OneStoreErrorCodes.HttpError, e.Code);
            Assert.Equal(418, e.HttpStatus);
        }

        [Fact]
        public async Task RetryAfterIsRead()
        {
            var handler = new TestHandler
            {
                Api = _ =>
                {
                    var response = TestHandler.Error(429, "TooMany");
                    response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
                    return Task.FromResult(response);
                },
            };
            using var client = TestClient.Create(handler, maxRetries: 0);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T"));

            Assert.Equal(TimeSpan.FromSeconds(7), e.RetryAfter);
            Assert.True(e.IsTransient);
        }

        [Fact]
        public async Task CancellationStopsARequestInFlight()
        {
            var never = new TaskCompletionSource<HttpResponseMessage>();
            var sent = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var handler = new TestHandler
            {
                Api = _ =>
                {
                    sent.TrySetResult(true);
                    return never.Task;
                },
            };
            using var client = TestClient.Create(handler);
            using var cts = new System.Threading.CancellationTokenSource();

            Task call = client.GetInAppPurchaseAsync("p", "T", null, cts.Token);
            // Cancel once the request is really in flight (the handler has it), not after a guessed delay.
            Assert.True(await Task.WhenAny(sent.Task, Task.Delay(TimeSpan.FromSeconds(30))) == sent.Task, "the request was never sent");
            cts.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }
    }
}

namespace OneStoreIap.Engine.Tests
{
    public class AlreadyAppliedTests
    {
        [Fact]
        public async Task AConsumeWhoseReplyWasLostIsReportedAsAlreadyApplied()
        {
            int consumes = 0;
            var handler = new TestHandler
            {
                Api = r =>
                {
                    if (r.Method == "GET") return Task.FromResult(TestHandler.Json(200, "{\"consumptionState\":1,\"acknowledgeState\":1}"));
                    // The first consume is applied, but its reply is lost; the retry meets InvalidConsumeState.
                    if (++consumes == 1) throw new System.Net.Http.HttpRequestException("Connection reset by peer");
                    return Task.FromResult(TestHandler.Error(409, "InvalidConsumeState"));
                },
            };
            using var client = TestClient.Create(handler);

            OperationReply reply = await client.ConsumeAsync("p", "T", null);

            Assert.True(reply.AlreadyApplied);
            Assert.Equal("Success", reply.Code);
            Assert.Equal(2, consumes);
        }

        [Fact]
        public async Task WithoutAnAmbiguousAttemptInvalidConsumeStateStaysAnError()
        {
            var handler = new TestHandler
            {
                Api = r => Task.FromResult(r.Method == "GET"
                    ? TestHandler.Json(200, "{\"consumptionState\":1}")
                    : TestHandler.Error(409, "InvalidConsumeState")),
            };
            using var client = TestClient.Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.ConsumeAsync("p", "T", null));

            Assert.Equal("InvalidConsumeState", e.Code);
            Assert.Single(handler.ApiRequests);
        }

        [Fact]
        public async Task AnAcknowledgeWhoseReplyWasLostIsReportedAsAlreadyApplied()
        {
            int acks = 0;
            var handler = new TestHandler
            {
                Api = r =>
                {
                    if (r.Method == "GET") return Task.FromResult(TestHandler.Json(200, "{\"acknowledgeState\":1}"));
                    if (++acks == 1) throw new System.Net.Http.HttpRequestException("Connection reset by peer");
                    return Task.FromResult(TestHandler.Error(409, "InvalidPurchaseState"));
                },
            };
            using var client = TestClient.Create(handler);

            OperationReply reply = await client.AcknowledgeAsync("p", "T", null);

            Assert.True(reply.AlreadyApplied);
        }
    }
}
