using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator
{
    /// <summary>
    /// Serves a <see cref="OneStoreEmulator"/> on loopback with <see cref="HttpListener"/>, so it can run inside any .NET
    /// process (pwsh included) without ASP.NET Core. The same rules as the standalone program.
    /// </summary>
    public sealed class EmulatorHttpListenerHost : IDisposable
    {
        private const int MaxBodyBytes = 16 * 1024 * 1024;

        /// <summary>Requests served at once; more get a 503 at once rather than a thread and a buffer each.</summary>
        internal const int DefaultMaxConcurrentRequests = 256;

        /// <summary>A connection idle this long is closed (HttpListener's own limit on platforms that honour it).</summary>
        internal static readonly TimeSpan IdleConnectionTimeout = TimeSpan.FromSeconds(15);

        private readonly HttpListener listener;
        private readonly CancellationTokenSource stopping = new();
        private readonly Task loop;
        private readonly int maxBodyBytes;
        private readonly SemaphoreSlim slots;
        private int stopped;

        private EmulatorHttpListenerHost(OneStoreEmulator emulator, HttpListener listener, Uri baseUri, int maxConcurrentRequests, int maxBodyBytes)
        {
            Emulator = emulator;
            this.listener = listener;
            BaseUri = baseUri;
            this.maxBodyBytes = maxBodyBytes;
            slots = new SemaphoreSlim(maxConcurrentRequests, maxConcurrentRequests);
            loop = Task.Run(AcceptLoopAsync);
        }

        /// <summary>The emulator behind this host.</summary>
        public OneStoreEmulator Emulator { get; }

        /// <summary>Where it listens, e.g. http://127.0.0.1:43125/.</summary>
        public Uri BaseUri { get; }

        /// <summary>Starts listening on 127.0.0.1; port 0 picks a free port.</summary>
        public static EmulatorHttpListenerHost Start(OneStoreEmulator emulator, int port = 0) =>
            Start(emulator, port, DefaultMaxConcurrentRequests, MaxBodyBytes);

        /// <summary>For tests: smaller limits.</summary>
        internal static EmulatorHttpListenerHost Start(OneStoreEmulator emulator, int port, int maxConcurrentRequests, int maxBodyBytes)
        {
            if (emulator == null) throw new ArgumentNullException(nameof(emulator));
            for (var attempt = 0; ; attempt++)
            {
                var chosen = port != 0 ? port : FreePort();
                var prefix = "http://127.0.0.1:" + chosen + "/";
                var listener = new HttpListener { IgnoreWriteExceptions = true };
                listener.Prefixes.Add(prefix);
                try
                {
                    listener.Start();
                    try
                    {
                        listener.TimeoutManager.IdleConnection = IdleConnectionTimeout;
                    }
                    catch (PlatformNotSupportedException)
                    {
                        // the managed listener closes idle connections itself (after 90 s, 15 s between requests)
                    }
                    return new EmulatorHttpListenerHost(emulator, listener, new Uri(prefix), maxConcurrentRequests, maxBodyBytes);
                }
                catch (HttpListenerException) when (port == 0 && attempt < 5)
                {
                    listener.Close(); // the free port was taken meanwhile: try another
                }
            }
        }

        private static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            try
            {
                return ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            finally
            {
                probe.Stop();
            }
        }

        private async Task AcceptLoopAsync()
        {
            while (!stopping.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpListenerException || e is ObjectDisposedException || e is InvalidOperationException)
                {
                    return; // stopped
                }
                _ = Task.Run(() => ServeAsync(context));
            }
        }

        private async Task ServeAsync(HttpListenerContext context)
        {
            var response = context.Response;
            if (!slots.Wait(0))
            {
                await AnswerAsync(response, Internal.Json.Error(503, "ServiceUnavailable", "The emulator is serving too many requests at once; try again."), close: true).ConfigureAwait(false);
                return;
            }
            try
            {
                var http = context.Request;
                var body = await ReadBodyAsync(http).ConfigureAwait(false);
                if (body == null)
                {
                    await AnswerAsync(response, Internal.Json.Error(413, "PayloadTooLarge", "The request body is larger than " + maxBodyBytes + " bytes."), close: true).ConfigureAwait(false);
                    return;
                }
                var headers = http.Headers;
                var request = new EmulatorRequest
                {
                    Method = http.HttpMethod,
                    RawTarget = http.RawUrl ?? "/",
                    Header = name => headers[name],
                    Body = body,
                };
                var answer = await Emulator.HandleAsync(request, stopping.Token).ConfigureAwait(false);
                if (answer.Drop == DropMode.AbortConnection)
                {
                    // HttpListener cannot reset a connection before the status line: it would send an empty 200 on
                    // Abort. Promise a body and close without it, so the client sees the exchange fail.
                    response.StatusCode = 500;
                    response.ContentLength64 = 1;
                    response.Abort();
                    return;
                }
                await AnswerAsync(response, answer, close: false).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException || e is IOException || e is ObjectDisposedException || e is OperationCanceledException)
            {
                // a client gone, or the host stopping: drop this exchange, keep serving the others
                try { response.Abort(); } catch (ObjectDisposedException) { }
            }
            catch (Exception e)
            {
                // A fault of the emulator itself: a 500 with a JSON body, never the empty 200 that HttpListener sends
                // for a response closed unanswered.
                try
                {
                    await AnswerAsync(response, Internal.Json.Error(500, "InternalError", "The emulator failed: " + e.GetType().Name + "."), close: true).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    try { response.Abort(); } catch (ObjectDisposedException) { }
                }
            }
            finally
            {
                slots.Release();
            }
        }

        /// <summary>Reads the body up to the limit; null when it is larger (known from Content-Length, or found while reading).</summary>
        private async Task<byte[]?> ReadBodyAsync(HttpListenerRequest http)
        {
            if (http.ContentLength64 > maxBodyBytes) return null;
            using var buffer = new MemoryStream();
            var chunk = new byte[16384];
            while (true)
            {
                var n = await http.InputStream.ReadAsync(chunk, 0, chunk.Length, stopping.Token).ConfigureAwait(false);
                if (n == 0) break;
                if (buffer.Length + n > maxBodyBytes) return null;
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }

        private async Task AnswerAsync(HttpListenerResponse response, EmulatorResponse answer, bool close)
        {
            response.StatusCode = answer.Status;
            if (answer.ContentType != null) response.ContentType = answer.ContentType;
            foreach (var header in answer.Headers) response.Headers[header.Key] = header.Value;
            // The Date header tells the emulator's clock (moved by Set-OneStoreEmulatorClock), as a server's Date tells its own.
            if (Emulator.HttpDate is string date) response.Headers["Date"] = date;
            if (close) response.KeepAlive = false;
            response.ContentLength64 = answer.Body.Length;
            if (answer.Body.Length > 0) await response.OutputStream.WriteAsync(answer.Body, 0, answer.Body.Length, stopping.Token).ConfigureAwait(false);
            response.Close();
        }

        /// <summary>Stops listening and drops requests in progress.</summary>
        public void Stop()
        {
            if (Interlocked.Exchange(ref stopped, 1) != 0) return;
            stopping.Cancel();
            try { listener.Stop(); } catch (ObjectDisposedException) { }
            listener.Close();
            try { loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
            stopping.Dispose();
        }

        /// <inheritdoc />
        public void Dispose() => Stop();
    }
}
