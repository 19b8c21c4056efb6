using System;
using System.Net;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>
    /// Keeps web pages from driving the control API of an emulator on a developer's machine. A page can make the
    /// browser send a "simple" cross-origin POST (no preflight: text/plain, a form, or no body) to loopback, and by DNS
    /// rebinding can even read replies under its own host name. So a control request must name a loopback host in
    /// Host, and every request but a GET must say its body is JSON, which a simple request cannot.
    /// </summary>
    internal static class ControlGuard
    {
        public static EmulatorResponse? Refuse(string method, string? host, string? contentType)
        {
            if (!IsLoopbackHost(host))
            {
                return Json.Error(403, "Forbidden",
                    "The control API answers only requests addressed to a loopback host (127.0.0.1, [::1] or localhost), not '" + Printable(host) + "'.");
            }
            if (method != "GET" && method != "HEAD" && !IsJson(contentType))
            {
                return Json.Error(415, "InvalidContentType",
                    "Control requests other than GET must have Content-Type: application/json (an empty body may be {}).");
            }
            return null;
        }

        internal static bool IsLoopbackHost(string? host)
        {
            if (string.IsNullOrEmpty(host)) return false;
            var name = host!.Trim();
            if (name.StartsWith("[", StringComparison.Ordinal))
            {
                var close = name.IndexOf(']');
                if (close < 0) return false;
                name = name.Substring(1, close - 1);
            }
            else
            {
                var colon = name.LastIndexOf(':');
                if (colon >= 0) name = name.Substring(0, colon);
            }
            if (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            return IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip);
        }

        private static bool IsJson(string? contentType)
        {
            if (contentType == null) return false;
            var semicolon = contentType.IndexOf(';');
            var media = (semicolon < 0 ? contentType : contentType.Substring(0, semicolon)).Trim();
            return string.Equals(media, "application/json", StringComparison.OrdinalIgnoreCase);
        }

        private static string Printable(string? text)
        {
            if (text == null) return "";
            var chars = text.Length > 100 ? text.Substring(0, 100).ToCharArray() : text.ToCharArray();
            for (var i = 0; i < chars.Length; i++) if (char.IsControl(chars[i])) chars[i] = '?';
            return new string(chars);
        }
    }
}
