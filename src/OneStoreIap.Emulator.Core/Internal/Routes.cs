namespace OneStoreIap.Emulator.Internal
{
    internal enum PathKind
    {
        Token,
        Purchase,
        PurchaseAction,
        List,
    }

    /// <summary>A ONE store route matched on decoded path segments.</summary>
    internal sealed class RouteMatch
    {
        public string Name = "";
        public int Index;
        public string Method = "GET";
        public PathKind Kind;
        public string ClientId = "";
        public string ProductId = "";
        public string PurchaseToken = "";

        /// <summary>The type segment of a purchase path: inapp, auto, subscription or all.</summary>
        public string TypeSegment = "";
    }

    /// <summary>The spec's 13 operations, by their names.</summary>
    internal static class Routes
    {
        public const string IssueToken = "issueToken";
        public const string GetPurchaseDetails = "getPurchaseDetails";
        public const string GetRecurringPurchaseDetails = "getRecurringPurchaseDetails";
        public const string GetSubscriptionDetail = "getSubscriptionDetail";
        public const string AcknowledgePurchase = "acknowledgePurchase";
        public const string ConsumePurchase = "consumePurchase";
        public const string CancelRecurringPurchase = "cancelRecurringPurchase";
        public const string ReactiveRecurringPurchase = "reactiveRecurringPurchase";
        public const string CancelSubscription = "cancelSubscription";
        public const string ReactivateSubscription = "reactivateSubscription";
        public const string DeferSubscription = "deferSubscription";
        public const string GetVoidedPurchases = "getVoidedPurchases";
        public const string GetUnconfirmedPurchases = "getUnconfirmedPurchases";

        /// <summary>Matches a path (method not considered); null when no route has this path.</summary>
        public static RouteMatch? Resolve(string[] s)
        {
            if (s.Length < 3 || s[0] != "v7") return null;
            if (s.Length == 3)
            {
                return s[1] == "oauth" && s[2] == "token" ? Make(IssueToken, "POST", PathKind.Token) : null;
            }
            if (s[1] != "apps" || s[2].Length == 0) return null;
            if (s.Length == 4)
            {
                var list = s[3] switch
                {
                    "voided-purchases" => Make(GetVoidedPurchases, "GET", PathKind.List),
                    "unconfirmed-purchases" => Make(GetUnconfirmedPurchases, "GET", PathKind.List),
                    _ => null,
                };
                if (list != null) list.ClientId = s[2];
                return list;
            }
            if ((s.Length != 8 && s.Length != 9) || s[3] != "purchases" || s[5] != "products" || s[6].Length == 0 || s[7].Length == 0)
            {
                return null;
            }
            var type = s[4];
            RouteMatch? match;
            if (s.Length == 8)
            {
                match = type switch
                {
                    "inapp" => Make(GetPurchaseDetails, "GET", PathKind.Purchase),
                    "auto" => Make(GetRecurringPurchaseDetails, "GET", PathKind.Purchase),
                    "subscription" => Make(GetSubscriptionDetail, "GET", PathKind.Purchase),
                    _ => null,
                };
            }
            else
            {
                match = (type, s[8]) switch
                {
                    ("inapp", "consume") => Make(ConsumePurchase, "POST", PathKind.PurchaseAction),
                    ("all", "acknowledge") => Make(AcknowledgePurchase, "POST", PathKind.PurchaseAction),
                    ("auto", "cancel") => Make(CancelRecurringPurchase, "POST", PathKind.PurchaseAction),
                    ("auto", "reactivate") => Make(ReactiveRecurringPurchase, "POST", PathKind.PurchaseAction),
                    ("subscription", "cancel") => Make(CancelSubscription, "POST", PathKind.PurchaseAction),
                    ("subscription", "reactivate") => Make(ReactivateSubscription, "POST", PathKind.PurchaseAction),
                    ("subscription", "defer") => Make(DeferSubscription, "POST", PathKind.PurchaseAction),
                    _ => null,
                };
            }
            if (match != null)
            {
                match.ClientId = s[2];
                match.TypeSegment = type;
                match.ProductId = s[6];
                match.PurchaseToken = s[7];
            }
            return match;
        }

        private static RouteMatch Make(string name, string method, PathKind kind) =>
            new() { Name = name, Index = System.Array.IndexOf(Counters.RouteNames, name), Method = method, Kind = kind };
    }
}
