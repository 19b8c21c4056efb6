using System;

namespace OneStoreIap.Emulator
{
    /// <summary>Start-up settings of an emulator instance.</summary>
    public sealed class EmulatorOptions
    {
        /// <summary>Seed JSON text; wins over <see cref="SeedPath"/>. Neither: the built-in seed.</summary>
        public string? SeedJson { get; init; }

        /// <summary>Path of a seed JSON file.</summary>
        public string? SeedPath { get; init; }

        /// <summary>Lifetime of issued access tokens (spec default 3,600 s).</summary>
        public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromSeconds(3600);

        /// <summary>Sandbox rules: <c>deferPeriod</c> counts minutes instead of days.</summary>
        public bool Sandbox { get; init; }

        /// <summary>The real clock the virtual clock runs on (tests may pass a fake one).</summary>
        public TimeProvider? TimeProvider { get; init; }

        /// <summary>How many API requests the request log keeps.</summary>
        public int RequestLogCapacity { get; init; } = 1000;

        /// <summary>Where the seed's first app gets its PNS notifications (overrides its seed <c>notificationUri</c>).</summary>
        public string? NotificationUri { get; init; }

        /// <summary>How many times a notification answered other than 200 is retried.</summary>
        public int NotificationRetryCount { get; init; } = 3;

        /// <summary>The first notification retry's delay; each next one doubles.</summary>
        public TimeSpan NotificationRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

        /// <summary>Receives one line per API request (method, route, status, duration) when set.</summary>
        public Action<string>? LogSink { get; init; }
    }
}
