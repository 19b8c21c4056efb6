using System;
using System.Collections.Generic;

namespace OneStoreIap.Emulator
{
    /// <summary>One HTTP request as a host received it, before any interpretation.</summary>
    public sealed class EmulatorRequest
    {
        private static readonly Func<string, string?> NoHeaders = _ => null;

        /// <summary>The HTTP method, e.g. <c>GET</c>.</summary>
        public string Method { get; init; } = "GET";

        /// <summary>Path and query exactly as received (still percent-encoded), e.g. <c>/v7/apps/a%20b/voided-purchases?maxResults=5</c>.</summary>
        public string RawTarget { get; init; } = "/";

        /// <summary>Looks a header up by name (case-insensitive); null when absent. Repeated headers joined with ", ".</summary>
        public Func<string, string?> Header { get; init; } = NoHeaders;

        /// <summary>The request body (empty when none).</summary>
        public byte[] Body { get; init; } = Array.Empty<byte>();

        /// <summary>Builds a request whose headers come from a dictionary (names compared case-insensitively).</summary>
        public static EmulatorRequest Create(string method, string rawTarget, IEnumerable<KeyValuePair<string, string>>? headers = null, byte[]? body = null)
        {
            var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (headers != null)
            {
                foreach (var pair in headers)
                {
                    map[pair.Key] = map.TryGetValue(pair.Key, out var existing) ? existing + ", " + pair.Value : pair.Value;
                }
            }
            return new EmulatorRequest
            {
                Method = method,
                RawTarget = rawTarget,
                Header = name => map.TryGetValue(name, out var value) ? value : null,
                Body = body ?? Array.Empty<byte>(),
            };
        }
    }
}
