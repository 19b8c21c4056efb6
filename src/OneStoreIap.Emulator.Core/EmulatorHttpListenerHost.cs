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

        private readonly HttpListener listener;
        private readonly CancellationTokenSource stopping = new();
        private readonly Task loop;
        private int stopped;

        private EmulatorHttpListenerHost(OneStoreEmulator emulator, HttpListener listener, Uri baseUri)
        {
            Emulator = emulator;
            this.listener = listener;
            BaseUri = baseUri;
            loop = Task.Run(AcceptLoopAsync);
        }

        /// <summary>The emulator behind this host.</summary>
        public OneStoreEmulator Emulator { get; }

        /// <summary>Where it listens, e.g. http://127.0.0.1:43125/.</summary>
        public Uri BaseUri { get; }

        /// <summary>Starts listening on 127.0.0.1; port 0 picks a free port.</summary>
        public static EmulatorHttpListenerHost Start(OneStoreEmulator emulator, int port = 0)
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
                    return new EmulatorHttpListenerHost(emulator, listener, new Uri(prefix));
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
            try
            {
                var http = context.Request;
                byte[] body;
                using (var buffer = new MemoryStream())
                {
                    await http.InputStream.CopyToAsync(buffer, 81920, stopping.Token).ConfigureAwait(false);
                    if (buffer.Length > MaxBodyBytes) throw new InvalidDataException("body too large");
                    body = buffer.ToArray();
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
                response.StatusCode = answer.Status;
                if (answer.ContentType != null) response.ContentType = answer.ContentType;
                foreach (var header in answer.Headers) response.Headers[header.Key] = header.Value;
                response.ContentLength64 = answer.Body.Length;
                if (answer.Body.Length > 0) await response.OutputStream.WriteAsync(answer.Body, 0, answer.Body.Length, stopping.Token).ConfigureAwait(false);
                response.Close();
            }
            catch (Exception)
            {
                // a client gone, a body too large, or the host stopping: drop this exchange, keep serving the others
                try { response.Abort(); } catch (ObjectDisposedException) { }
            }
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
