using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>getSubscriptionDetail's priceChange; its string form reads well in a CSV cell.</summary>
    public sealed class PriceChange
    {
        public int? Seq { get; set; }
        public string? PreviousPrice { get; set; }
        public long? PreviousPriceMicros { get; set; }
        public string? NewPrice { get; set; }
        public long? NewPriceMicros { get; set; }
        public long? ApplyTimeMillis { get; set; }
        public DateTimeOffset? ApplyTime { get; set; }
        public bool? Agreement { get; set; }
        public long? AgreementDueDateTimeMillis { get; set; }
        public DateTimeOffset? AgreementDueDateTime { get; set; }

        public override string ToString()
        {
            string apply = ApplyTime is DateTimeOffset at ? " from " + at.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture) : "";
            string agreed = Agreement is bool a ? (a ? " (agreed)" : " (not agreed)") : "";
            return $"{PreviousPrice} -> {NewPrice}{apply}{agreed}";
        }
    }
}
