using System;
using System.Collections.Generic;
using System.Text;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>A request target split the way ONE store's front server sees it.</summary>
    internal sealed class Target
    {
        public string RawPath = "/";
        public string RawQuery = "";

        /// <summary>Decoded path segments (after the leading slash); null when a segment could not be decoded.</summary>
        public string[]? Segments;

        /// <summary>A segment held an encoded slash (%2F), which the front server refuses with an HTML 404.</summary>
        public bool EncodedSlash;

        public static Target Parse(string rawTarget)
        {
            var target = new Target();
            var raw = rawTarget ?? "/";

            // Absolute-form targets (proxies) carry scheme and authority; keep only path and query.
            if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                var slash = raw.IndexOf('/', raw.IndexOf("//", StringComparison.Ordinal) + 2);
                raw = slash < 0 ? "/" : raw.Substring(slash);
            }

            var q = raw.IndexOf('?');
            target.RawPath = q < 0 ? raw : raw.Substring(0, q);
            target.RawQuery = q < 0 ? "" : raw.Substring(q + 1);
            var hash = target.RawQuery.IndexOf('#');
            if (hash >= 0) target.RawQuery = target.RawQuery.Substring(0, hash);

            // Split the raw path on '/' first, then decode each segment, so an encoded slash stays inside its segment.
            var path = target.RawPath.StartsWith("/", StringComparison.Ordinal) ? target.RawPath.Substring(1) : target.RawPath;
            var parts = path.Split('/');
            var segments = new string[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                if (parts[i].IndexOf("%2F", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    target.EncodedSlash = true;
                }
                var decoded = PercentDecode(parts[i], plusIsSpace: false);
                if (decoded == null)
                {
                    return target; // Segments stays null: undecodable
                }
                segments[i] = decoded;
            }
            target.Segments = segments;
            return target;
        }

        /// <summary>Percent-decodes UTF-8; null when the escapes or the UTF-8 are malformed.</summary>
        public static string? PercentDecode(string value, bool plusIsSpace)
        {
            if (value.IndexOf('%') < 0 && (!plusIsSpace || value.IndexOf('+') < 0))
            {
                return value;
            }
            var bytes = new List<byte>(value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '%')
                {
                    if (i + 2 >= value.Length || !IsHex(value[i + 1]) || !IsHex(value[i + 2]))
                    {
                        return null;
                    }
                    bytes.Add((byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2])));
                    i += 2;
                }
                else if (c == '+' && plusIsSpace)
                {
                    bytes.Add((byte)' ');
                }
                else if (c < 0x80)
                {
                    bytes.Add((byte)c);
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                }
            }
            try
            {
                return new UTF8Encoding(false, true).GetString(bytes.ToArray());
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }

        /// <summary>Parses form or query text (a=b&amp;c=d); the first occurrence of a name wins. Null when malformed.</summary>
        public static Dictionary<string, string>? ParseForm(string text)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (text.Length == 0) return result;
            foreach (var pair in text.Split('&'))
            {
                if (pair.Length == 0) continue;
                var eq = pair.IndexOf('=');
                var name = PercentDecode(eq < 0 ? pair : pair.Substring(0, eq), plusIsSpace: true);
                var value = PercentDecode(eq < 0 ? "" : pair.Substring(eq + 1), plusIsSpace: true);
                if (name == null || value == null) return null;
                if (!result.ContainsKey(name)) result[name] = value;
            }
            return result;
        }

        private static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

        private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    }
}
