using System;
using System.Threading;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>The emulator's virtual clock: the real clock plus an offset that only moves forward.</summary>
    internal sealed class VirtualClock
    {
        private readonly TimeProvider real;
        private long offsetMillis;

        public VirtualClock(TimeProvider real) => this.real = real;

        public long NowMillis => real.GetUtcNow().ToUnixTimeMilliseconds() + Interlocked.Read(ref offsetMillis);

        public long OffsetMillis => Interlocked.Read(ref offsetMillis);

        public void Advance(long millis) => Interlocked.Add(ref offsetMillis, millis);

        public void Reset() => Interlocked.Exchange(ref offsetMillis, 0);
    }

    internal static class Time
    {
        public const long Second = 1000;
        public const long Minute = 60 * Second;
        public const long Hour = 60 * Minute;
        public const long Day = 24 * Hour;

        /// <summary>"One month" of the list windows: 30 days exactly, so a window is the same length whatever the date.</summary>
        public const long Month = 30 * Day;

        /// <summary>
        /// How far back a window's start may reach: the longest calendar month (31 days) and a minute for the request's
        /// way here, so that a start of "one month ago" by any calendar, in any time zone ((Get-Date).AddMonths(-1),
        /// .AddDays(-30)), is accepted (spec getVoidedPurchases: "one month prior to the current time"). The module's
        /// own check (OneStoreIap.Engine.ListWindow) uses the same rule.
        /// </summary>
        public const long StartReach = 31 * Day + Minute;

        /// <summary>Unacknowledged purchases are cancelled after 3 days (acknowledgePurchase).</summary>
        public const long AutoCancelAfter = 3 * Day;

        /// <summary>
        /// Parses a seed/control time: a number is absolute epoch ms; a string is an offset from <paramref name="now"/>
        /// such as "-2h", "+30d", "-90m", "-10s", "-500ms", "0" or "now" (units ms, s, m, h, d; several may be chained: "-1d12h").
        /// </summary>
        public static bool TryParseRelative(string text, long now, out long value)
        {
            value = 0;
            var s = text.Trim();
            if (s.Equals("now", StringComparison.OrdinalIgnoreCase) || s == "0")
            {
                value = now;
                return true;
            }
            if (long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var absolute))
            {
                value = absolute;
                return true;
            }
            var sign = 1L;
            var i = 0;
            if (s.StartsWith("-", StringComparison.Ordinal)) { sign = -1; i = 1; }
            else if (s.StartsWith("+", StringComparison.Ordinal)) { i = 1; }
            if (i >= s.Length) return false;
            long total = 0;
            while (i < s.Length)
            {
                var start = i;
                while (i < s.Length && char.IsDigit(s[i])) i++;
                if (i == start) return false;
                var number = long.Parse(s.Substring(start, i - start), System.Globalization.CultureInfo.InvariantCulture);
                long unit;
                if (i + 1 < s.Length && s[i] == 'm' && s[i + 1] == 's') { unit = 1; i += 2; }
                else if (i < s.Length && s[i] == 's') { unit = Second; i++; }
                else if (i < s.Length && s[i] == 'm') { unit = Minute; i++; }
                else if (i < s.Length && s[i] == 'h') { unit = Hour; i++; }
                else if (i < s.Length && s[i] == 'd') { unit = Day; i++; }
                else return false;
                total += number * unit;
            }
            value = now + sign * total;
            return true;
        }
    }
}
