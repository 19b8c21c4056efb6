using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Emulator.Internal;

namespace OneStoreIap.Emulator
{
    /// <summary>
    /// A local, stateful stand-in for the ONE store IAP Server API v7, independent of any HTTP host: a host hands it
    /// each request (<see cref="HandleAsync"/>) and writes out the answer. Thread-safe.
    /// </summary>
    public sealed class OneStoreEmulator
    {
        // A client_secret wherever a request carries it: a form or query (name percent-encoded or not) or a JSON member.
        private static readonly Regex SecretInForm = new("(client(?:_|%5[Ff])secret=)[^&#\\s]*", RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
        private static readonly Regex SecretInJson = new("(\"client_secret\"\\s*:\\s*\")(?:[^\"\\\\]|\\\\.)*\"?", RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        private readonly string seedJson;
        private readonly VirtualClock clock;
        private readonly EmulatorState state = new();
        private readonly TokenStore tokens = new();
        private readonly FaultSet faults = new();
        private readonly Counters counters = new();
        private readonly RequestLog log;
        private readonly ApiHandler api;
        private readonly ControlHandler control;
        private readonly Action<string>? logSink;

        /// <summary>Creates an emulator loaded with the seed of <paramref name="options"/> (the built-in one by default).</summary>
        /// <exception cref="ArgumentException">The seed is not valid.</exception>
        public OneStoreEmulator(EmulatorOptions? options = null)
        {
            options ??= new EmulatorOptions();
            if (options.TokenLifetime <= TimeSpan.Zero) throw new ArgumentException("The token lifetime must be positive.", nameof(options));
            Options = options;
            clock = new VirtualClock(options.TimeProvider ?? TimeProvider.System);
            seedJson = options.SeedJson ?? (options.SeedPath != null ? File.ReadAllText(options.SeedPath) : Seed.BuiltIn());
            log = new RequestLog(options.RequestLogCapacity);
            logSink = options.LogSink;
            api = new ApiHandler(state, tokens, clock, (long)options.TokenLifetime.TotalMilliseconds, options.Sandbox);
            control = new ControlHandler(this, state, clock, faults, counters, log, tokens);
            Notifications = new NotificationSender(Keys, clock, options.Sandbox)
            {
                Retries = Math.Max(0, options.NotificationRetryCount),
                RetryDelayMs = (int)Math.Max(0, options.NotificationRetryDelay.TotalMilliseconds),
            };
            try
            {
                lock (state.Gate) LoadSeed();
            }
            catch (Exception e) when (e is SeedException || e is System.Text.Json.JsonException || e is InvalidOperationException || e is FormatException)
            {
                throw new ArgumentException("The seed is not valid: " + e.Message, nameof(options), e);
            }
        }

        /// <summary>The apps' key pairs (receipts and PNS messages are signed with them).</summary>
        internal AppKeys Keys { get; } = new();

        /// <summary>The PNS sender.</summary>
        internal NotificationSender Notifications { get; }

        /// <summary>The license key (base64 DER SubjectPublicKeyInfo) of an app; its key pair is generated on first use.</summary>
        public string LicenseKey(string clientId) => Keys.LicenseKey(clientId);

        // Under state.Gate. What the seed cancels at load time (the 3-day rule on old purchases) notifies nobody.
        private void LoadSeed()
        {
            state.Cancelled = null;
            Seed.Load(state, seedJson, clock.NowMillis);
            var first = true;
            foreach (var app in state.Apps)
            {
                if (app.PrivateKey != null) Keys.Put(app.ClientId, app.PrivateKey);
                if (first && Options.NotificationUri != null) app.NotificationUri = Seed.NotificationUri(Options.NotificationUri);
                if (notificationUris.TryGetValue(app.ClientId, out var set)) app.NotificationUri = set;
                first = false;
            }
            state.Cancelled = PurchaseCancelled;
        }

        // Notification URIs set through the control API: they outlive a reset, as the start-up options do.
        private readonly System.Collections.Generic.Dictionary<string, string?> notificationUris = new(StringComparer.Ordinal);

        /// <summary>Under state.Gate: sets where an app's notifications go (null: nowhere), also after a reset.</summary>
        internal void SetNotificationUri(AppInfo app, string? uri)
        {
            app.NotificationUri = uri;
            notificationUris[app.ClientId] = uri;
        }

        /// <summary>Under state.Gate: a purchase completed (added through the control API).</summary>
        internal void PurchaseCompleted(Purchase p) => Notify(p, completed: true);

        private void PurchaseCancelled(Purchase p) => Notify(p, completed: false);

        private void Notify(Purchase p, bool completed)
        {
            var uri = state.FindApp(p.ClientId)?.NotificationUri;
            if (uri != null) Notifications.Enqueue(p, uri, completed);
        }

        /// <summary>The options this instance started with.</summary>
        public EmulatorOptions Options { get; }

        /// <summary>API requests being answered now (for tests of the hosts' limits).</summary>
        internal long InFlight => counters.InFlight;

        /// <summary>The virtual clock's current time, epoch milliseconds.</summary>
        public long NowMillis => clock.NowMillis;

        /// <summary>
        /// The emulator's clock as an HTTP Date header value (RFC 7231, whole seconds, truncated); null when the clock
        /// fails (the reply is then the emulator's own 500, which goes out without a Date).
        /// </summary>
        public string? HttpDate
        {
            get
            {
                try
                {
                    return DateTimeOffset.FromUnixTimeMilliseconds(clock.NowMillis).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (!(e is OutOfMemoryException))
                {
                    return null;
                }
            }
        }

        /// <summary>Back to the seed; faults, counters, request log and clock offset cleared. Issued tokens stay valid; the next token request gets a fresh one.</summary>
        public void Reset()
        {
            clock.Reset();
            faults.Clear();
            counters.Reset();
            log.Clear();
            tokens.ForgetCurrent();
            Notifications.Clear();
            lock (state.Gate)
            {
                state.Clear();
                LoadSeed();
            }
        }

        /// <summary>Answers one request: a ONE store route, a control route under /_emulator, or an error.</summary>
        public async ValueTask<EmulatorResponse> HandleAsync(EmulatorRequest request, CancellationToken cancellationToken = default)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var target = Target.Parse(request.RawTarget);
            var method = request.Method.ToUpperInvariant();
            if (target.Segments != null && target.Segments.Length > 0 && target.Segments[0] == "_emulator")
            {
                try
                {
                    return ControlGuard.Refuse(method, request.Header("Host"), request.Header("Content-Type")) ?? control.Handle(method, target, request.Body);
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    return InternalError(e);
                }
            }

            var started = Stopwatch.GetTimestamp();
            counters.Enter();
            EmulatorResponse response;
            RouteMatch? route = null;
            var faulted = false;
            try
            {
                if (target.EncodedSlash)
                {
                    // ONE store's front server answers an encoded slash in a path segment with an HTML page (notes.md).
                    response = Json.Html(404, "404 Not Found", "The requested URL was not found on this server.");
                }
                else if (target.Segments == null)
                {
                    response = Json.Error(Codes.BadRequest);
                }
                else if ((route = Routes.Resolve(target.Segments)) == null)
                {
                    response = Json.Error(Codes.ResourceNotFound);
                }
                else if (route.Method != method)
                {
                    response = Json.Error(Codes.MethodNotAllowed, route.Name);
                }
                else
                {
                    counters.Route(route.Index);
                    (response, faulted) = await HandleRouteAsync(route, target, request, method, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                response = new EmulatorResponse { Status = 499, Drop = DropMode.AbortConnection, Route = route?.Name };
            }
            catch (Exception e)
            {
                response = InternalError(e);
            }
            finally
            {
                counters.Exit();
            }
            if (response.Drop != DropMode.None) counters.Dropped();
            Record(request, target, route, response, started, faulted);
            return response;
        }

        private async ValueTask<(EmulatorResponse, bool)> HandleRouteAsync(RouteMatch route, Target target, EmulatorRequest request, string method, CancellationToken ct)
        {
            if (faults.IsEmpty) return (api.Handle(route, target, request), false);

            var (latency, effect, fired) = faults.Evaluate(route.Name, method);
            if (fired) counters.Fault();
            if (effect != null && effect.Drop == FaultDrop.Before)
            {
                if (latency > 0) await Task.Delay(latency, ct).ConfigureAwait(false);
                return (new EmulatorResponse { Status = 0, Drop = DropMode.AbortConnection, Route = route.Name }, true);
            }
            if (effect != null && effect.Drop == FaultDrop.None)
            {
                if (latency > 0) await Task.Delay(latency, ct).ConfigureAwait(false);
                counters.FaultReply();
                return (effect.Respond(route.Name), true);
            }
            var response = api.Handle(route, target, request);
            if (latency > 0) await Task.Delay(latency, ct).ConfigureAwait(false);
            if (effect != null) // drop after: the change is applied, the reply is lost
            {
                return (new EmulatorResponse { Status = response.Status, Drop = DropMode.AbortConnection, Route = route.Name, ErrorCode = response.ErrorCode }, true);
            }
            return (response, fired);
        }

        /// <summary>A fault of the emulator itself: a 500 with the spec's error body (never an empty reply), naming only the exception type.</summary>
        private static EmulatorResponse InternalError(Exception e) =>
            Json.Error(500, Codes.InternalError, "The emulator failed while answering: " + e.GetType().Name + ".");

        /// <summary>The text with every client_secret value replaced by ***, on any route (a client may send it anywhere).</summary>
        internal static string MaskSecret(string text)
        {
            if (text.IndexOf("secret", StringComparison.OrdinalIgnoreCase) < 0) return text;
            return SecretInJson.Replace(SecretInForm.Replace(text, "$1***"), "$1***\"");
        }

        private void Record(EmulatorRequest request, Target target, RouteMatch? route, EmulatorResponse response, long started, bool faulted)
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            string? body = null;
            if (request.Body.Length > 0)
            {
                body = MaskSecret(Encoding.UTF8.GetString(request.Body, 0, Math.Min(request.Body.Length, 4096)));
            }
            var authorization = request.Header("Authorization");
            if (authorization != null)
            {
                // never keep a token: only the shape of the header
                authorization = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? "Bearer ***" : "***";
            }
            var entry = new RequestLogEntry
            {
                TimeMillis = clock.NowMillis,
                Method = request.Method,
                Route = route?.Name,
                RawPath = MaskSecret(target.RawPath),
                Segments = target.Segments == null ? null : Array.ConvertAll(target.Segments, MaskSecret),
                Query = MaskSecret(target.RawQuery),
                Authorization = authorization,
                ContentType = request.Header("Content-Type"),
                MarketCode = request.Header("x-market-code"),
                Body = body,
                Status = response.Status,
                Code = response.ErrorCode ?? (response.Status == 200 ? Codes.Success : null),
                DurationMs = elapsed,
                Fault = faulted,
                Dropped = response.Drop != DropMode.None,
            };
            log.Add(entry);
            logSink?.Invoke(request.Method + " " + (route?.Name ?? target.RawPath) + " " +
                            (entry.Dropped ? "dropped" : response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)) + " " +
                            elapsed.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "ms");
        }
    }
}
