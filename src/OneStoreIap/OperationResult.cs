using System;
using System.Globalization;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>The outcome of a changing call, one per item, for audit logs.</summary>
    public class OperationResult
    {
        /// <summary><c>Acknowledge</c>, <c>Consume</c>, <c>Cancel</c>, <c>Reactivate</c> or <c>Defer</c>.</summary>
        public string? Operation { get; set; }
        public string? ProductId { get; set; }
        public string? PurchaseToken { get; set; }
        /// <summary>The product type: the route's, or the input's (a lookup, a list row, a CSV Type column) where the route serves every type.</summary>
        public OneStoreProductType? Type { get; set; }
        /// <summary>The purchase id, when the input carried it (a list row, a lookup, a CSV PurchaseId column).</summary>
        public string? PurchaseId { get; set; }
        public string? MarketCode { get; set; }
        public string? ClientId { get; set; }
        /// <summary>When the reply came (in the market's offset, as the store's own times).</summary>
        public DateTimeOffset? OperationTime { get; set; }
        /// <summary>The reply's code (<c>Success</c>).</summary>
        public string? Code { get; set; }
        public string? Message { get; set; }
        /// <summary>True when an earlier attempt whose reply was lost had already applied the change.</summary>
        public bool AlreadyApplied { get; set; }

        public override string ToString() => $"{Operation} {PurchaseToken}: {Code}";
    }
}
