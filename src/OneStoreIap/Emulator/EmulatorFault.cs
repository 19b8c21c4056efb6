using System;
using OneStoreIap.Commands;
using System.Collections.Generic;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>A fault injected with Add-OneStoreEmulatorFault.</summary>
    public sealed class EmulatorFault
    {
        /// <summary>The emulator's id of the fault.</summary>
        public long Id { get; set; }

        /// <summary>The spec operation it matches (* for every API route).</summary>
        public string Route { get; set; } = "*";
        public int? StatusCode { get; set; }
        public string? Code { get; set; }
        public int? Count { get; set; }
        public int? Skip { get; set; }
        public double? Rate { get; set; }
        public int? LatencyMs { get; set; }
        public EmulatorFaultDrop? Drop { get; set; }

        /// <summary>The HTTP method it matches; every method when empty.</summary>
        public string? Method { get; set; }

        /// <summary>The Retry-After seconds sent with its status reply.</summary>
        public int? RetryAfter { get; set; }

        /// <summary>The raw body it answers with, instead of the spec's error body.</summary>
        public string? Body { get; set; }
        public string? ContentType { get; set; }

        public override string ToString() => Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
