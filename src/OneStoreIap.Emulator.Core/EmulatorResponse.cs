using System;
using System.Collections.Generic;

namespace OneStoreIap.Emulator
{
    /// <summary>What the host does with the connection after the emulator answered.</summary>
    public enum DropMode
    {
        /// <summary>Send the response normally.</summary>
        None = 0,

        /// <summary>Send nothing and abort the connection (an injected fault).</summary>
        AbortConnection = 1,
    }

    /// <summary>The emulator's answer to one request, for a host to write out.</summary>
    public sealed class EmulatorResponse
    {
        /// <summary>HTTP status code.</summary>
        public int Status { get; init; }

        /// <summary>Value of the Content-Type header (null for no body).</summary>
        public string? ContentType { get; init; }

        /// <summary>The body bytes.</summary>
        public byte[] Body { get; init; } = Array.Empty<byte>();

        /// <summary>Extra headers (e.g. Retry-After).</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = Array.Empty<KeyValuePair<string, string>>();

        /// <summary>Whether the host must drop the connection instead of replying.</summary>
        public DropMode Drop { get; init; }

        /// <summary>The spec operation name the request was routed to (null for control requests and unknown paths).</summary>
        public string? Route { get; init; }

        /// <summary>The error code of an error body (null for successes).</summary>
        public string? ErrorCode { get; init; }
    }
}
