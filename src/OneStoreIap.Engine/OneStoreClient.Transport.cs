using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine.Json;

namespace OneStoreIap.Engine
{
    // The transport: the choke point every call goes through, one attempt (send, read within the size limit and
    // the attempt's time), and the mapping of failures and error bodies to OneStoreApiException.
    public sealed partial class OneStoreClient
    {
        private const string MarketHeader = "x-market-code";
        private const string JsonMediaType = "application/json";

        // .NET Framework's HttpWebRequest refuses a body on GET; there the required Content-Type cannot be sent on GETs.
        private static readonly bool CanSendBodyOnGet =
            !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// Every API call goes through here: a token from the cache (single-flight renewal), the retry pipeline around
        /// each attempt, and one renewal plus one more try when the server says the token expired or is invalid.
        /// </summary>
        private async Task<byte[]> SendAsync(CallState call, CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            AccessTokenInfo token = _tokens.GetFresh(_time.GetUtcNow()) ?? await GetTokenAsync(call.Log, cancellationToken).ConfigureAwait(false);
            NoteToken(token);
            try
            {
                return await WithRetriesAsync(call, token, cancellationToken).ConfigureAwait(false);
            }
            catch (OneStoreApiException e) when (e.Kind == OneStoreErrorKind.Api
                && (e.Code == OneStoreErrorCodes.AccessTokenExpired || e.Code == OneStoreErrorCodes.InvalidAccessToken))
            {
                _tokens.Invalidate(token);
                token = await GetTokenAsync(call.Log, cancellationToken).ConfigureAwait(false);
                NoteToken(token);
                return await WithRetriesAsync(call, token, cancellationToken).ConfigureAwait(false);
            }
        }

        private HttpRequestMessage CreateApiRequest(CallState call, AccessTokenInfo token)
        {
            var request = new HttpRequestMessage(call.Method, _origin + _basePath + call.Path);
            // "Bearer <token>" (spec: ONE store OAuth), built once per token.
            request.Headers.TryAddWithoutValidation("Authorization", token.AuthorizationValue);
            request.Headers.TryAddWithoutValidation(MarketHeader, _options.MarketCode);
            request.Headers.TryAddWithoutValidation("Accept", JsonMediaType);
            // The spec marks Content-Type: application/json as required on every API request, GETs included.
            byte[]? body = call.Body;
            if (body != null || CanSendBodyOnGet || call.Method != HttpMethod.Get)
            {
                var content = new ByteArrayContent(body ?? Array.Empty<byte>());
                content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
                request.Content = content;
            }
            return request;
        }

        /// <summary>One attempt: send, read the reply within the size limit, map failures to <see cref="OneStoreApiException"/>.</summary>
        private async Task<byte[]> SendOnceAsync(CallState call, AccessTokenInfo? token, CancellationToken cancellationToken)
        {
            int attempt = Interlocked.Increment(ref call.Attempts);
            long started = Stopwatch.GetTimestamp();
            int? status = null;
            string? failureCode = null;
            HttpRequestMessage request = token == null ? CreateTokenRequest(call) : CreateApiRequest(call, token);
            bool sent = false;
            try
            {
                using (request)
                {
                    HttpResponseMessage response;
                    try
                    {
                        response = await Http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        WipeSensitiveBody(call);
                    }
                    sent = true;
                    using (response)
                    {
                        ServerClock.Observe(response.Headers.Date);
                        status = (int)response.StatusCode;
                        byte[] body = await ReadBodyAsync(response, call, started, cancellationToken).ConfigureAwait(false);
                        if (status >= 200 && status < 300)
                        {
                            ThrowIfErrorBody(call, status.Value, body);
                            return body;
                        }
                        OneStoreApiException error = MapError(call, response, body);
                        // A server error or a gateway's may come after the change was applied (a 503 or 429 is a refusal).
                        if (call.Method != HttpMethod.Get && status is 500 or 502 or 504)
                        {
                            call.Ambiguous = true;
                            error.MayHaveBeenApplied = true;
                            error.SafeToRepeat = call.SafeToRepeat;
                        }
                        throw error;
                    }
                }
            }
            catch (OneStoreApiException e)
            {
                failureCode = e.Code;
                throw;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failureCode = OneStoreErrorCodes.RequestTimeout;
                call.Ambiguous = true;
                throw new OneStoreApiException(OneStoreErrorKind.Timeout, OneStoreErrorCodes.RequestTimeout,
                    $"{call.Method} {call.Path} got no reply within {_options.RequestTimeout.TotalSeconds:0.###} s.{NotRepeated(call, true)}", status)
                {
                    MayHaveBeenApplied = true,
                    SafeToRepeat = call.SafeToRepeat,
                };
            }
            catch (Exception e) when (e is HttpRequestException || e is IOException || e is SocketException)
            {
                failureCode = OneStoreErrorCodes.NetworkError;
                bool refused = FindSocketError(e) == SocketError.ConnectionRefused;
                if (!refused || sent) call.Ambiguous = true;
                throw new OneStoreApiException(OneStoreErrorKind.Network, OneStoreErrorCodes.NetworkError,
                    $"{call.Method} {call.Path} failed without a reply: {ServerText(Innermost(e).Message, 200)}{NotRepeated(call, !refused || sent)}", status, null, ScrubbedInner(e))
                {
                    MayHaveBeenApplied = !refused || sent,
                    SafeToRepeat = call.SafeToRepeat,
                };
            }
            catch (OperationCanceledException)
            {
                failureCode = "Cancelled";
                throw;
            }
            finally
            {
                call.Log?.Invoke(new OneStoreRequestLog(call.Method.Method, call.Path, status, Elapsed(started), attempt, failureCode));
            }
        }

        private static string NotRepeated(CallState call, bool mayHaveBeenApplied) =>
            mayHaveBeenApplied && !call.SafeToRepeat
                ? " The change may have been applied; it was not sent again, as repeating it would apply it twice. Check the purchase before trying again."
                : "";

        private static void WipeSensitiveBody(CallState call)
        {
            byte[]? sensitive = call.SensitiveBody;
            if (sensitive != null)
            {
                Array.Clear(sensitive, 0, sensitive.Length);
                call.SensitiveBody = null;
            }
        }

        /// <summary>
        /// Reads the reply within the size limit and what is left of the attempt's time (the reply's headers used the
        /// rest). A body that is already here is read at once; only a read that has to wait is timed.
        /// </summary>
        private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CallState call, long started, CancellationToken cancellationToken)
        {
            int limit = _options.MaxReplyBytes;
            long? declared = response.Content.Headers.ContentLength;
            if (declared > limit) throw TooLarge(call, (int)response.StatusCode, limit);
            using Stream stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            if (declared is long exact)
            {
                // The usual case: read straight into a buffer of the declared size (a shorter body is a network failure).
                byte[] body = exact == 0 ? Array.Empty<byte>() : new byte[exact];
                int filled = 0;
                while (filled < body.Length)
                {
                    int n = await ReadWithinAttemptAsync(stream, body, filled, body.Length - filled, response, started, cancellationToken).ConfigureAwait(false);
                    if (n == 0) throw new IOException($"The reply ended after {filled} of the {body.Length} bytes it declared.");
                    filled += n;
                }
                return body;
            }
            using var buffer = new MemoryStream(1024);
            byte[] chunk = new byte[16 * 1024];
            while (true)
            {
                int read = await ReadWithinAttemptAsync(stream, chunk, 0, chunk.Length, response, started, cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                if (buffer.Length + read > limit) throw TooLarge(call, (int)response.StatusCode, limit);
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }

        /// <summary>One read of the body: at once when the bytes are here, else timed by <see cref="WithinAttemptAsync"/>.</summary>
        private Task<int> ReadWithinAttemptAsync(Stream stream, byte[] buffer, int offset, int count, HttpResponseMessage response,
            long started, CancellationToken cancellationToken)
        {
            Task<int> read = stream.ReadAsync(buffer, offset, count, cancellationToken);
            return read.IsCompleted ? read : WithinAttemptAsync(read, response, started, cancellationToken);
        }

        /// <summary>
        /// Waits for a read of the body for what is left of the attempt's time; when that runs out the reply is
        /// disposed, which ends the read, and the attempt fails as a timeout (an OperationCanceledException that the
        /// caller's token did not cause).
        /// </summary>
        private async Task<int> WithinAttemptAsync(Task<int> read, HttpResponseMessage response, long started, CancellationToken cancellationToken)
        {
            if (_options.RequestTimeout == Timeout.InfiniteTimeSpan) return await read.ConfigureAwait(false);
            TimeSpan left = _options.RequestTimeout - Elapsed(started);
            using var timeout = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond));
            using (timeout.Token.Register(static state => ((HttpResponseMessage)state!).Dispose(), response))
            {
                try
                {
                    return await read.ConfigureAwait(false);
                }
                catch (Exception) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(timeout.Token);
                }
            }
        }

        private static TimeSpan Elapsed(long started) =>
            TimeSpan.FromTicks((long)((Stopwatch.GetTimestamp() - started) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

        private static OneStoreApiException TooLarge(CallState call, int status, int limit) =>
            new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ReplyTooLarge,
                $"ONE store's reply to {call.Method} {call.Path} (HTTP {status}) is larger than {limit / 1024} KiB; it was not read.", status);

        /// <summary>A 2xx body that is ONE store's error body is still an error.</summary>
        private void ThrowIfErrorBody(CallState call, int status, byte[] body)
        {
            if (body.Length == 0 || IndexOf(body, ErrorKey) < 0) return;
            ErrorEnvelope? envelope = TryDeserialize(body, OneStoreJsonContext.Default.ErrorEnvelope);
            if (envelope?.Error?.Code is string code && code.Length > 0)
                throw envelope.Error.IsOAuth ? OAuthError(call, status, code, envelope.ErrorDescription) : ApiError(call, status, code, envelope.Error.Message);
        }

        private static readonly byte[] ErrorKey = Encoding.ASCII.GetBytes("\"error\"");

        private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

        private OneStoreApiException MapError(CallState call, HttpResponseMessage response, byte[] body)
        {
            int status = (int)response.StatusCode;
            ErrorEnvelope? envelope = TryDeserialize(body, OneStoreJsonContext.Default.ErrorEnvelope);
            string? code = envelope?.Error?.Code ?? envelope?.Code;
            string? message = envelope?.Error?.Message ?? envelope?.Message;
            OneStoreApiException error;
            if (envelope?.Error is { IsOAuth: true } oauth)
            {
                error = OAuthError(call, status, oauth.Code!, envelope.ErrorDescription);
            }
            else if (!string.IsNullOrEmpty(code))
            {
                error = ApiError(call, status, code!, message);
            }
            else if (envelope != null)
            {
                error = new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.HttpError,
                    $"{call.Method} {call.Path} failed with HTTP {status} and a JSON reply without ONE store's error code: '{Excerpt(body)}'", status);
            }
            else
            {
                error = NotJson(call, status, response.Content.Headers.ContentType?.MediaType, body, null);
            }
            error.RetryAfter = GetRetryAfter(response);
            return error;
        }

        private OneStoreApiException ApiError(CallState call, int status, string code, string? message)
        {
            string safeCode = ServerText(code, 64);
            string? serverMessage = message == null ? null : ServerText(message, 300);
            string text = string.IsNullOrEmpty(serverMessage) ? "" : ": " + serverMessage;
            return new OneStoreApiException(OneStoreErrorKind.Api, safeCode,
                $"ONE store answered {safeCode} (HTTP {status}) to {call.Method} {call.Path}{text}", status, serverMessage);
        }

        /// <summary>
        /// An error in OAuth's own shape (RFC 6749, 5.2, and RFC 6750, 3.1, for a bearer token refused), which the spec's
        /// Issue AccessToken section does not describe but a token endpoint may answer with: the spec's code for the
        /// same failure, so that bad credentials are the authentication error (UnauthorizedAccess) that Connect-OneStore
        /// explains, and a refused token is renewed as InvalidAccessToken is. OAuth's code and description are kept in
        /// the message.
        /// </summary>
        private OneStoreApiException OAuthError(CallState call, int status, string oauthCode, string? description)
        {
            string code = oauthCode switch
            {
                "invalid_client" or "unauthorized_client" or "invalid_grant" or "access_denied" or "insufficient_scope" => OneStoreErrorCodes.UnauthorizedAccess,
                "invalid_token" => OneStoreErrorCodes.InvalidAccessToken,
                "server_error" => OneStoreErrorCodes.InternalError,
                "temporarily_unavailable" => OneStoreErrorCodes.ServiceMaintenance,
                _ => OneStoreErrorCodes.BadRequest,
            };
            string text = string.IsNullOrEmpty(description) ? oauthCode : oauthCode + " (" + description + ")";
            string refused = call.Path == TokenPath && code == OneStoreErrorCodes.UnauthorizedAccess ? "; the client id or secret was refused" : "";
            return ApiError(call, status, code, "OAuth error " + text + refused);
        }

        private OneStoreApiException NotJson(CallState call, int status, string? mediaType, byte[] body, Exception? inner)
        {
            string type = string.IsNullOrEmpty(mediaType) ? "" : ", " + ServerText(mediaType!, 60);
            string text = body.Length == 0
                ? $"ONE store's reply to {call.Method} {call.Path} (HTTP {status}{type}) is empty, not the API's JSON."
                : $"ONE store's reply to {call.Method} {call.Path} (HTTP {status}{type}) is not the API's JSON; the request may not have reached the API. The reply begins: '{Excerpt(body)}'";
            return new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError, text, status, null, ScrubbedInner(inner));
        }

        private static TimeSpan? GetRetryAfter(HttpResponseMessage response)
        {
            RetryConditionHeaderValue? retryAfter = response.Headers.RetryAfter;
            if (retryAfter == null) return null;
            if (retryAfter.Delta is TimeSpan delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            if (retryAfter.Date is DateTimeOffset date)
            {
                TimeSpan wait = date - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            return null;
        }

        private static T? TryDeserialize<T>(byte[] body, JsonTypeInfo<T> typeInfo) where T : class
        {
            if (body.Length == 0) return null;
            try
            {
                return JsonSerializer.Deserialize(body, typeInfo);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private T? Deserialize<T>(byte[] body, JsonTypeInfo<T> typeInfo, CallState call) where T : class
        {
            if (body.Length == 0) throw EmptyReply(call);
            try
            {
                return JsonSerializer.Deserialize(body, typeInfo);
            }
            catch (JsonException e)
            {
                string where = e.Path == null ? "" : $" (at {e.Path})";
                throw new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                    $"ONE store's reply to {call.Method} {call.Path} is not the JSON the spec describes{ServerText(where, 200)}. The reply begins: '{Excerpt(body)}'", 200, null, ScrubbedInner(e));
            }
        }

        private static OneStoreApiException EmptyReply(CallState call) =>
            new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                $"ONE store's reply to {call.Method} {call.Path} is empty or null, not the JSON the spec describes.", 200);

        /// <summary>
        /// A short, safe excerpt of a reply: at most 200 characters, no control characters, whitespace collapsed, no
        /// secret or token (<see cref="ServerText"/>, which also takes care that no part of one survives at a cut).
        /// </summary>
        internal string Excerpt(byte[] body) =>
            ServerText(Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 4 * ServerTextWindow)), 200);

        /// <summary>
        /// The one way server-sent text (a message, a code, a reply's excerpt, a header's value, a network failure's
        /// text that quotes the server) reaches an exception: scrubbed of the secret and tokens
        /// (<see cref="ServerTextScrubber"/>), then made short and printable (<see cref="Sanitize"/>).
        /// </summary>
        internal string ServerText(string text, int maxLength) => Sanitize(_scrubber.ScrubPrefix(text, ServerTextWindow), maxLength);

        /// <summary>How much of a server's text is scrubbed and shown from (a reply of megabytes is not searched whole).</summary>
        private const int ServerTextWindow = 16 * 1024;

        /// <summary>
        /// An inner exception as it is when no message in its chain quotes a secret or token; otherwise a stand-in of
        /// the same family whose message is scrubbed ($Error and Get-Error show inner exceptions too).
        /// </summary>
        private Exception? ScrubbedInner(Exception? inner)
        {
            if (inner == null) return null;
            bool clean = true;
            for (Exception? e = inner; e != null && clean; e = e.InnerException)
            {
                clean = _scrubber.Scrub(e.Message) == e.Message;
            }
            if (clean) return inner;
            string text = ServerText(inner.Message, 300);
            Exception innermost = Innermost(inner);
            if (!ReferenceEquals(innermost, inner)) text += " (" + ServerText(innermost.Message, 300) + ")";
            return inner switch
            {
                JsonException => new JsonException(text),
                HttpRequestException => new HttpRequestException(text),
                IOException => new IOException(text),
                _ => new Exception(text),
            };
        }

        internal static string Sanitize(string text, int maxLength)
        {
            var builder = new StringBuilder(Math.Min(text.Length, maxLength));
            bool space = false;
            foreach (char c in text)
            {
                if (char.IsControl(c) || char.IsWhiteSpace(c) || c == '\uFFFD')
                {
                    if (!space && builder.Length > 0) builder.Append(' ');
                    space = true;
                    continue;
                }
                space = false;
                builder.Append(c);
                if (builder.Length >= maxLength) break;
            }
            string result = builder.ToString().TrimEnd();
            if (result.Length >= maxLength) result = result.Substring(0, maxLength - 3) + "...";
            return result;
        }

        private static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }

        private static SocketError? FindSocketError(Exception e)
        {
            for (Exception? current = e; current != null; current = current.InnerException)
            {
                if (current is SocketException socket) return socket.SocketErrorCode;
            }
            return null;
        }
        /// <summary>
        /// The client for one attempt: the factory's, asked for anew each time so that its handler rotation reaches a
        /// long session. The timeout is per attempt (each SendAsync), so that a timeout is retried and reported as
        /// such; HttpClient times the wait for the reply's headers, and ReadBodyAsync what is left of it for the body.
        /// </summary>
        private HttpClient Http()
        {
            if (_fixedHttp != null) return _fixedHttp;
            // A client is kept for at most a minute (or the handler lifetime, if shorter) and then asked for anew, so
            // rotation still reaches a long session while a busy one does not make a client per request.
            long now = Stopwatch.GetTimestamp();
            HttpClient? client = _http;
            if (client == null || now - Volatile.Read(ref _httpSince) > _httpRenewTicks)
            {
                client = HttpClients.Create(_httpName!);
                client.Timeout = _options.RequestTimeout;
                Volatile.Write(ref _httpSince, now);
                _http = client;
            }
            return client;
        }

        private volatile HttpClient? _http;
        private long _httpSince;
        private long HttpRenewTicksFor(TimeSpan lifetime) =>
            (long)(Math.Min(60, Math.Max(1, lifetime.TotalSeconds)) * Stopwatch.Frequency);

        /// <summary>One logical call, across its attempts.</summary>
        internal sealed class CallState
        {
            public CallState(HttpMethod method, string path, Action<OneStoreRequestLog>? log)
            {
                Method = method;
                Path = path;
                Log = log;
            }

            public HttpMethod Method { get; }
            public string Path { get; }
            public Action<OneStoreRequestLog>? Log { get; }
            public byte[]? Body { get; set; }
            public byte[]? SensitiveBody { get; set; }
            public int Attempts;

            /// <summary>False when sending the request twice would apply the change twice.</summary>
            public bool SafeToRepeat { get; set; } = true;

            /// <summary>An attempt failed in a way that may have reached the server (timeout, reset after sending).</summary>
            public bool Ambiguous { get; set; }
        }
    }
}
