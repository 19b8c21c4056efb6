using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>
    /// The control routes of an emulator's apps (GET /_emulator/apps/{clientId}, POST .../notification) for the code
    /// that is not an emulator cmdlet: Start-OneStoreEmulator and Connect-OneStore -Emulator.
    /// </summary>
    internal static class EmulatorApps
    {
        // Loopback only, never through a proxy.
        private static readonly HttpClient Http = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

        /// <summary>The app's license key, or null when the emulator does not answer with one.</summary>
        internal static string? LicenseKey(Uri baseUri, string clientId)
        {
            JsonTreeObject? reply = Call(HttpMethod.Get, new Uri(baseUri, "_emulator/apps/" + Uri.EscapeDataString(clientId)), null);
            return reply?["licenseKey"] as string;
        }

        /// <summary>Sets where the app's PNS notifications go; throws when the emulator refuses.</summary>
        internal static void SetNotificationUri(Uri baseUri, string clientId, Uri notificationUri)
        {
            var body = new Dictionary<string, object?> { ["uri"] = notificationUri.AbsoluteUri };
            if (Call(HttpMethod.Post, new Uri(baseUri, "_emulator/apps/" + Uri.EscapeDataString(clientId) + "/notification"), body) == null)
                throw new InvalidOperationException("The emulator at " + baseUri + " refused the notification URI " + notificationUri + ".");
        }

        private static JsonTreeObject? Call(HttpMethod method, Uri uri, IDictionary<string, object?>? body)
        {
            using var request = new HttpRequestMessage(method, uri);
            if (body != null)
            {
                request.Content = new ByteArrayContent(JsonTree.Serialize(body));
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            }
            // A loopback call from a cmdlet that has no cancellable wait of its own; the timeout bounds it.
            using HttpResponseMessage response = Http.SendAsync(request).ConfigureAwait(false).GetAwaiter().GetResult();
            byte[] bytes = response.Content.ReadAsByteArrayAsync().ConfigureAwait(false).GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode || bytes.Length == 0) return null;
            return JsonTree.Parse(bytes) as JsonTreeObject;
        }
    }
}
