using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>
    /// The per-attempt timeout covers the whole reply: the wait for its headers and the wait for its body. A reply whose
    /// body stalls after the headers fails as RequestTimeout like one whose headers never come; the caller's
    /// cancellation stays a cancellation.
    /// </summary>
    public class TimeoutTests
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

        /// <summary>A body that never sends a byte: each read waits until it is cancelled or the stream is disposed.</summary>
        private sealed class StalledStream : Stream
        {
            private readonly TaskCompletionSource<int> _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                await _disposed.Task.WaitAsync(cancellationToken);
                throw new ObjectDisposedException(nameof(StalledStream));
            }

            protected override void Dispose(bool disposing)
            {
                _disposed.TrySetResult(0);
                base.Dispose(disposing);
            }
        }

        private static HttpResponseMessage StalledBody(long? declaredLength)
        {
            var content = new StreamContent(new StalledStream());
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            content.Headers.ContentLength = declaredLength;
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }

        private static OneStoreClient Create(TestHandler handler) =>
            new(new OneStoreClientOptions(new Uri("https://iap.test"), "com.app", TestClient.Secure(TestClient.Secret))
            {
                Handler = handler,
                TokenCache = new TokenCache(),
                MaxRetryCount = 0,
                RequestTimeout = TimeSpan.FromMilliseconds(300),
            });

        [Fact]
        public async Task HeadersThatNeverComeEndInRequestTimeout()
        {
            var handler = new TestHandler { Api = _ => new TaskCompletionSource<HttpResponseMessage>().Task };
            using var client = Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T").WaitAsync(Patience));

            Assert.Equal(OneStoreErrorCodes.RequestTimeout, e.Code);
            Assert.Equal(OneStoreErrorKind.Timeout, e.Kind);
        }

        [Theory]
        [InlineData(250L)]
        [InlineData(null)]
        public async Task ABodyThatStallsAfterTheHeadersEndsInRequestTimeout(long? declaredLength)
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(StalledBody(declaredLength)) };
            using var client = Create(handler);

            var e = await Assert.ThrowsAsync<OneStoreApiException>(() => client.GetInAppPurchaseAsync("p", "T").WaitAsync(Patience));

            Assert.Equal(OneStoreErrorCodes.RequestTimeout, e.Code);
            Assert.Equal(OneStoreErrorKind.Timeout, e.Kind);
            Assert.Contains("0.3 s", e.Message);
        }

        [Fact]
        public async Task CancellingWhileTheBodyStallsIsACancellationNotATimeout()
        {
            var handler = new TestHandler { Api = _ => Task.FromResult(StalledBody(250)) };
            using var client = Create(handler);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

            Exception e = await Assert.ThrowsAnyAsync<Exception>(() => client.GetInAppPurchaseAsync("p", "T", null, cancel.Token).WaitAsync(Patience));

            Assert.IsAssignableFrom<OperationCanceledException>(e);
        }
    }
}
