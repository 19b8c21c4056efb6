using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneStoreIap.Emulator;

namespace OneStoreIap.Emulator.Host
{
    /// <summary>Kestrel around a <see cref="OneStoreEmulator"/>: one terminal handler, no other middleware.</summary>
    public sealed class EmulatorWebHost : IAsyncDisposable
    {
        private const int MaxBodyBytes = 16 * 1024 * 1024;

        private readonly WebApplication app;

        private EmulatorWebHost(WebApplication app, OneStoreEmulator emulator, IReadOnlyList<string> addresses)
        {
            this.app = app;
            Emulator = emulator;
            Addresses = addresses;
        }

        /// <summary>The emulator behind this host.</summary>
        public OneStoreEmulator Emulator { get; }

        /// <summary>The bound addresses (real ports, also when 0 was asked).</summary>
        public IReadOnlyList<string> Addresses { get; }

        /// <summary>The first bound address as a URI.</summary>
        public Uri BaseUri => new(Addresses[0]);

        /// <summary>Completes when the host stops (Ctrl+C, SIGTERM, or <see cref="DisposeAsync"/>).</summary>
        public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => app.WaitForShutdownAsync(cancellationToken);

        /// <summary>Starts Kestrel on <paramref name="urls"/> and returns once it listens.</summary>
        /// <remarks>
        /// Only <paramref name="urls"/> decide where it listens: the Kestrel endpoints that configuration (environment
        /// variables such as ASPNETCORE_Kestrel__Endpoints__x__Url) would add are ignored, and an address that is not
        /// loopback is refused unless <paramref name="allowRemote"/> says so (the program's --allow-remote).
        /// </remarks>
        public static async Task<EmulatorWebHost> StartAsync(OneStoreEmulator emulator, IEnumerable<string> urls, CancellationToken cancellationToken = default,
            bool allowRemote = false)
        {
            var list = urls.ToArray();
            if (!allowRemote)
            {
                foreach (var url in list)
                {
                    if (!EmulatorCommandLine.IsLoopbackUrl(url)) throw new InvalidOperationException("'" + url + "' is not a loopback address; pass --allow-remote to listen on it.");
                }
            }
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>(), ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
            builder.WebHost.UseUrls(list);
            // The emulator shares a machine with the client under test, often a small one: run each request where its
            // bytes arrive instead of handing it from thread to thread. Safe here: no handler blocks a thread (fault
            // latency is an await, state locks are short).
            builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Limits.MaxRequestBodySize = MaxBodyBytes;
                k.AllowSynchronousIO = false;
                // no endpoints from configuration: the environment must not widen where the emulator listens
                k.Configure(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
            });
            var app = builder.Build();
            app.Run(context => HandleAsync(emulator, context));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
            var remote = allowRemote ? null : addresses.FirstOrDefault(a => !EmulatorCommandLine.IsLoopbackUrl(a));
            if (remote != null)
            {
                // a second guard, whatever configured it
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException("The emulator was made to listen on " + remote + ", which is not loopback; pass --allow-remote to allow that.");
            }
            return new EmulatorWebHost(app, emulator, addresses);
        }

        private static async Task HandleAsync(OneStoreEmulator emulator, HttpContext context)
        {
            var feature = context.Features.Get<IHttpRequestFeature>()!;
            var headers = context.Request.Headers;
            var body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            var request = new EmulatorRequest
            {
                Method = context.Request.Method,
                RawTarget = string.IsNullOrEmpty(feature.RawTarget) ? context.Request.Path + context.Request.QueryString : feature.RawTarget,
                Header = name => headers.TryGetValue(name, out var value) ? value.ToString() : null,
                Body = body,
            };
            var response = await emulator.HandleAsync(request, context.RequestAborted).ConfigureAwait(false);
            if (response.Drop == DropMode.AbortConnection)
            {
                context.Abort();
                return;
            }
            var http = context.Response;
            http.StatusCode = response.Status;
            if (response.ContentType != null) http.ContentType = response.ContentType;
            foreach (var header in response.Headers) http.Headers[header.Key] = header.Value;
            // The Date header tells the emulator's clock (moved by --clock or the control API), as a server's Date tells its own.
            if (emulator.HttpDate is string date) http.Headers["Date"] = date;
            http.ContentLength = response.Body.Length;
            if (response.Body.Length > 0)
            {
                await http.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
            }
        }

        private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
        {
            if (request.ContentLength == 0) return Array.Empty<byte>();
            if (request.ContentLength is long length and <= MaxBodyBytes)
            {
                var buffer = new byte[length];
                var read = 0;
                while (read < buffer.Length)
                {
                    var n = await request.Body.ReadAsync(buffer.AsMemory(read), ct).ConfigureAwait(false);
                    if (n == 0) break;
                    read += n;
                }
                return read == buffer.Length ? buffer : buffer.AsSpan(0, read).ToArray();
            }
            using var stream = new MemoryStream();
            await request.Body.CopyToAsync(stream, ct).ConfigureAwait(false);
            return stream.ToArray();
        }

        /// <summary>Stops Kestrel.</summary>
        public async ValueTask DisposeAsync()
        {
            try
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
