using System;
using System.Threading;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// The server's clock as its replies' Date headers tell it. The list windows (spec: getVoidedPurchases,
    /// getUnconfirmedPurchases: "one month prior to the current time", "cannot be bigger than the current time") are
    /// judged by the server's "current time", not ours; a machine whose clock is a few minutes off, or an emulator
    /// whose clock was moved, would otherwise get its windows refused or miss the newest rows.
    /// </summary>
    /// <remarks>
    /// A Date header has whole seconds, truncated, and is written before the reply travels back, so the estimate
    /// (the last Date plus the time since it arrived) is never ahead of the server: an end time taken from it is
    /// never in the server's future. Without a Date header yet, the estimate is this machine's clock.
    /// </remarks>
    public sealed class ServerClock
    {
        private readonly Func<DateTimeOffset> _utcNow;
        private long _offsetTicks;

        public ServerClock() : this(() => DateTimeOffset.UtcNow) { }

        internal ServerClock(Func<DateTimeOffset> utcNow)
        {
            _utcNow = utcNow;
        }

        /// <summary>The server's offset from this machine's clock (the server ahead: positive).</summary>
        public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

        /// <summary>Takes a reply's Date header (null: no header, nothing changes).</summary>
        public void Observe(DateTimeOffset? date)
        {
            if (date is not DateTimeOffset value) return;
            long offset = (value - _utcNow()).Ticks;
            Interlocked.Exchange(ref _offsetTicks, offset);
        }

        /// <summary>The server's current time, as well as its replies tell it; this machine's clock until one does.</summary>
        public DateTimeOffset UtcNow => _utcNow() + Offset;
    }
}
