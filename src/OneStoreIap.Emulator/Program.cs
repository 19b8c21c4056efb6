using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Threading.Tasks;
using OneStoreIap.Emulator;

namespace OneStoreIap.Emulator.Host
{
    /// <summary>
    /// dotnet OneStoreIap.Emulator.dll [--urls URL[;URL]] [--seed PATH] [--token-lifetime SECONDS] [--sandbox] [--log] [--allow-remote] [--notification-uri URI] [--notification-retries N] [--notification-retry-delay-ms MS]
    /// The first stdout line is "Now listening on: URL" (the bound port); nothing is printed before it.
    /// </summary>
    public static class Program
    {
        public static async Task<int> Main(string[] args)
        {
            // With Kestrel's inline scheduling (EmulatorWebHost), also complete socket operations on the thread that
            // saw them, as Kestrel's documentation advises. Read once, before the first socket is made.
            if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == null)
            {
                Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
            }
            EmulatorCommandLine options;
            try
            {
                options = EmulatorCommandLine.Parse(args);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine("error: " + e.Message);
                Console.Error.WriteLine(EmulatorCommandLine.Usage);
                return 2;
            }
            if (options.Help)
            {
                Console.Error.WriteLine(EmulatorCommandLine.Usage);
                return 0;
            }

            OneStoreEmulator emulator;
            try
            {
                emulator = new OneStoreEmulator(new EmulatorOptions
                {
                    SeedPath = options.SeedPath,
                    TokenLifetime = TimeSpan.FromSeconds(options.TokenLifetimeSeconds),
                    Sandbox = options.Sandbox,
                    NotificationUri = options.NotificationUri,
                    NotificationRetryCount = options.NotificationRetries,
                    NotificationRetryDelay = TimeSpan.FromMilliseconds(options.NotificationRetryDelayMs),
                    LogSink = options.Log ? line => Console.Error.WriteLine(line) : null,
                });
            }
            catch (Exception e) when (e is ArgumentException || e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 2;
            }

            EmulatorWebHost host;
            try
            {
                host = await EmulatorWebHost.StartAsync(emulator, options.Urls, default, options.AllowRemote).ConfigureAwait(false);
            }
            catch (Exception e) when (e is System.IO.IOException || e is InvalidOperationException || e is FormatException)
            {
                Console.Error.WriteLine("error: cannot listen on " + string.Join(";", options.Urls) + ": " + e.Message);
                return 1;
            }

            await using (host.ConfigureAwait(false))
            {
                foreach (var address in host.Addresses)
                {
                    Console.Out.WriteLine("Now listening on: " + address);
                }
                Console.Out.Flush();
                await host.WaitForShutdownAsync().ConfigureAwait(false);
            }
            return 0;
        }
    }

    /// <summary>The program's command line.</summary>
    public sealed class EmulatorCommandLine
    {
        public const string Usage =
            "usage: OneStoreIap.Emulator [--urls URL[;URL]] [--seed PATH] [--token-lifetime SECONDS] [--sandbox] [--log] [--allow-remote] [--notification-uri URI] [--notification-retries N] [--notification-retry-delay-ms MS]";

        public List<string> Urls { get; } = new();
        public string? SeedPath { get; private set; }
        public int TokenLifetimeSeconds { get; private set; } = 3600;
        public bool Sandbox { get; private set; }
        public bool Log { get; private set; }
        public bool AllowRemote { get; private set; }
        public bool Help { get; private set; }
        public string? NotificationUri { get; private set; }
        public int NotificationRetries { get; private set; } = 3;
        public int NotificationRetryDelayMs { get; private set; } = 200;

        public static EmulatorCommandLine Parse(IReadOnlyList<string> args)
        {
            var result = new EmulatorCommandLine();
            for (var i = 0; i < args.Count; i++)
            {
                var arg = args[i];
                string? inline = null;
                var eq = arg.IndexOf('=');
                if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
                {
                    inline = arg.Substring(eq + 1);
                    arg = arg.Substring(0, eq);
                }
                string Value()
                {
                    if (inline != null) return inline;
                    if (i + 1 >= args.Count) throw new ArgumentException(arg + " needs a value.");
                    return args[++i];
                }
                switch (arg)
                {
                    case "--urls":
                        foreach (var url in Value().Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) result.Urls.Add(url);
                        break;
                    case "--seed":
                        result.SeedPath = Value();
                        break;
                    case "--token-lifetime":
                        if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
                        {
                            throw new ArgumentException("--token-lifetime must be a positive number of seconds.");
                        }
                        result.TokenLifetimeSeconds = seconds;
                        break;
                    case "--sandbox":
                        result.Sandbox = true;
                        break;
                    case "--log":
                        result.Log = true;
                        break;
                    case "--allow-remote":
                        result.AllowRemote = true;
                        break;
                    case "--notification-uri":
                        result.NotificationUri = Value();
                        if (!Uri.TryCreate(result.NotificationUri, UriKind.Absolute, out var pns) || (pns.Scheme != "http" && pns.Scheme != "https"))
                            throw new ArgumentException("--notification-uri must be an absolute http or https URI.");
                        break;
                    case "--notification-retries":
                        if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var retries) || retries > 10)
                            throw new ArgumentException("--notification-retries must be 0 to 10.");
                        result.NotificationRetries = retries;
                        break;
                    case "--notification-retry-delay-ms":
                        if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var delay) || delay > 60_000)
                            throw new ArgumentException("--notification-retry-delay-ms must be 0 to 60000.");
                        result.NotificationRetryDelayMs = delay;
                        break;
                    case "--help":
                    case "-h":
                        result.Help = true;
                        break;
                    default:
                        throw new ArgumentException("unknown argument '" + args[i] + "'.");
                }
            }
            if (result.Urls.Count == 0) result.Urls.Add("http://127.0.0.1:5080");
            foreach (var url in result.Urls)
            {
                if (!Uri.TryCreate(url.Replace("://*", "://wildcard").Replace("://+", "://wildcard"), UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                {
                    throw new ArgumentException("'" + url + "' is not an http URL.");
                }
                if (!result.AllowRemote && !IsLoopbackUrl(url))
                {
                    throw new ArgumentException("'" + url + "' is not a loopback address; pass --allow-remote to listen on it.");
                }
            }
            return result;
        }

        /// <summary>Whether an http(s) URL (Kestrel's forms included: * and + are every address) names a loopback host.</summary>
        internal static bool IsLoopbackUrl(string url)
        {
            if (!Uri.TryCreate(url.Replace("://*", "://wildcard").Replace("://+", "://wildcard"), UriKind.Absolute, out var uri)) return false;
            return IsLoopback(uri.Host);
        }

        private static bool IsLoopback(string host)
        {
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
        }
    }
}
