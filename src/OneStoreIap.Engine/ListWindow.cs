using System;
using System.Globalization;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// The window rules of getVoidedPurchases and getUnconfirmedPurchases (spec: startTime "can be set until only one
    /// month prior to the current time", endTime "cannot be bigger than the current time"), checked before a listing is
    /// sent so that a window the server would refuse gets a message that states the rule. "Now" is the server's
    /// (<see cref="ServerClock"/>).
    /// </summary>
    /// <remarks>
    /// The spec does not define "one month". A start is accepted back to the longest calendar month (31 days) plus a
    /// minute for the request's way to the server, so that "one month ago" by any calendar and time zone
    /// ((Get-Date).AddMonths(-1), .AddDays(-30)) passes; the emulator judges with the same rule. Where the module picks
    /// a start itself (the refund sync's first run), it asks for <see cref="SafeReach"/> only, which any reading of
    /// "one month" allows.
    /// </remarks>
    public static class ListWindow
    {
        /// <summary>How far back a start may be: 31 days and a minute.</summary>
        public static readonly TimeSpan Reach = TimeSpan.FromDays(31) + TimeSpan.FromMinutes(1);

        /// <summary>How far back the module itself reaches when it chooses a start: 30 days less a minute.</summary>
        public static readonly TimeSpan SafeReach = TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1);

        /// <summary>
        /// Null when the window is one the API accepts; otherwise a message stating the rule it breaks. A listing
        /// continued with a continuation key keeps the window it began with, so its start is not judged again.
        /// </summary>
        public static string? Check(long? startMillis, long? endMillis, DateTimeOffset serverNow, bool continued)
        {
            if (startMillis.HasValue && endMillis.HasValue && startMillis.Value > endMillis.Value)
            {
                return $"The start time ({Format(startMillis.Value)}) is after the end time ({Format(endMillis.Value)}): " +
                       "a window's start must come before its end.";
            }
            long now = serverNow.ToUnixTimeMilliseconds();
            if (!continued && startMillis.HasValue && startMillis.Value < now - (long)Reach.TotalMilliseconds)
            {
                return $"The start time ({Format(startMillis.Value)}) is more than one month before now ({Format(now)}): " +
                       "ONE store lists at most one month back (spec getVoidedPurchases/getUnconfirmedPurchases: startTime). " +
                       $"Use a start on or after {Format(now - (long)TimeSpan.FromDays(30).TotalMilliseconds)}.";
            }
            if (endMillis.HasValue && endMillis.Value > now + (long)Grace.TotalMilliseconds)
            {
                return $"The end time ({Format(endMillis.Value)}) is in the future (now is {Format(now)}): the end cannot be " +
                       "later than the current time (spec getVoidedPurchases/getUnconfirmedPurchases: endTime). Omit it to list up to now.";
            }
            return null;
        }

        /// <summary>How far ahead of the server's clock (as its Date headers tell it, in whole seconds) an end may be before it is refused.</summary>
        public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

        /// <summary>An epoch-millisecond time as ISO 8601 UTC, for messages.</summary>
        public static string Format(long millis) =>
            DateTimeOffset.FromUnixTimeMilliseconds(millis).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }
}
