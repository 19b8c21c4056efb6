using System;
using System.IO;
using System.Text.Json;
using OneStoreIap.Emulator.Internal;

namespace OneStoreIap.Emulator
{
    /// <summary>
    /// The entry point the PowerShell module calls by reflection to host the emulator inside pwsh. Its signature
    /// uses only BCL types: the module's cmdlet assembly targets netstandard2.0 and cannot reference this one.
    /// </summary>
    public static class InProcessEmulator
    {
        /// <summary>
        /// Starts an emulator on 127.0.0.1 (port 0 picks a free one) and returns the host to dispose to stop it,
        /// with its base URI and the client id and secret of the seed's first app (null when the seed has none).
        /// </summary>
        /// <exception cref="ArgumentException">The seed is not valid, or the token lifetime is not positive.</exception>
        /// <exception cref="System.Net.HttpListenerException">The port cannot be listened on.</exception>
        public static IDisposable Start(int port, string? seedPath, int tokenLifetimeSeconds, bool sandbox,
            out string baseUri, out string? clientId, out string? clientSecret)
        {
            if (tokenLifetimeSeconds <= 0) throw new ArgumentException("The token lifetime must be positive.", nameof(tokenLifetimeSeconds));
            var seedJson = seedPath != null ? File.ReadAllText(seedPath) : Seed.BuiltIn();
            var emulator = new OneStoreEmulator(new EmulatorOptions
            {
                SeedJson = seedJson,
                TokenLifetime = TimeSpan.FromSeconds(tokenLifetimeSeconds),
                Sandbox = sandbox,
            });
            (clientId, clientSecret) = FirstApp(seedJson);
            var host = EmulatorHttpListenerHost.Start(emulator, port);
            baseUri = host.BaseUri.ToString();
            return host;
        }

        private static (string?, string?) FirstApp(string seedJson)
        {
            using var doc = JsonDocument.Parse(seedJson, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!doc.RootElement.TryGetProperty("apps", out var apps) || apps.ValueKind != JsonValueKind.Array) return (null, null);
            foreach (var app in apps.EnumerateArray())
            {
                return (app.GetProperty("clientId").GetString(), app.GetProperty("clientSecret").GetString());
            }
            return (null, null);
        }
    }
}
