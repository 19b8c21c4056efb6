using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Text.RegularExpressions;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Lets a TimeSpan parameter take the duration forms of the emulator's seed files: "2d", "3h", "90m", "30s",
    /// "500ms", chained ("1d12h"). Anything else (a TimeSpan, "1.00:00:00", a number of ticks) is left to PowerShell.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class EmulatorDurationTransformationAttribute : ArgumentTransformationAttribute
    {
        private static readonly Regex Duration = new Regex(@"^\s*(?:(\d+)(ms|d|h|m|s))+\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject ps ? ps.BaseObject : inputData;
            if (value is string text && TryParse(text, out TimeSpan span)) return span;
            // Unquoted, 2d is PowerShell's decimal literal 2 (the d suffix): what was typed is two days. No one means
            // ticks by a decimal, so a decimal counts days.
            if (value is decimal days && days >= 0 && days <= (decimal)TimeSpan.MaxValue.TotalDays) return TimeSpan.FromDays((double)days);
            return inputData;
        }

        internal static bool TryParse(string text, out TimeSpan span)
        {
            span = TimeSpan.Zero;
            Match match = Duration.Match(text);
            if (!match.Success) return false;
            long millis = 0;
            Group numbers = match.Groups[1], units = match.Groups[2];
            for (int i = 0; i < numbers.Captures.Count; i++)
            {
                if (!long.TryParse(numbers.Captures[i].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n)) return false;
                long unit = units.Captures[i].Value.ToLowerInvariant() switch
                {
                    "ms" => 1,
                    "s" => 1000,
                    "m" => 60_000,
                    "h" => 3_600_000,
                    _ => 86_400_000,
                };
                if (n > TimeSpan.MaxValue.TotalMilliseconds / unit) return false;
                millis += n * unit;
            }
            span = TimeSpan.FromMilliseconds(millis);
            return true;
        }
    }
}
