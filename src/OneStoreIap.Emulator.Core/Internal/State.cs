using System;
using System.Collections.Generic;
using System.Globalization;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>
    /// Apps, products and purchases, with the sorted indexes the two list routes page through.
    /// Every member must be used under <see cref="Gate"/>; callers copy what they need and write JSON after releasing it.
    /// </summary>
    internal sealed class EmulatorState
    {
        public readonly object Gate = new();

        private readonly Dictionary<string, AppInfo> apps = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, string), ProductInfo> products = new();
        private readonly Dictionary<string, Purchase> byToken = new(StringComparer.Ordinal);
        private readonly HashSet<string> purchaseIds = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, string), MarketIndex> indexes = new();
        private readonly List<MarketIndex> indexList = new();
        private long seq;
        private long idCounter;
        private long tokenCounter;

        /// <summary>Called (under <see cref="Gate"/>) when a purchase is cancelled: a refund or the 3-day rule (PNS).</summary>
        public Action<Purchase>? Cancelled;

        public void Clear()
        {
            apps.Clear();
            products.Clear();
            byToken.Clear();
            purchaseIds.Clear();
            indexes.Clear();
            indexList.Clear();
        }

        public IEnumerable<AppInfo> Apps => apps.Values;

        public AppInfo? FindApp(string clientId) => apps.TryGetValue(clientId, out var app) ? app : null;

        public void PutApp(AppInfo app) => apps[app.ClientId] = app;

        public ProductInfo? FindProduct(string clientId, string productId) =>
            products.TryGetValue((clientId, productId), out var product) ? product : null;

        public void PutProduct(ProductInfo product) => products[(product.ClientId, product.ProductId)] = product;

        public Purchase? FindPurchase(string token) => byToken.TryGetValue(token, out var p) ? p : null;

        public bool HasPurchaseId(string purchaseId) => purchaseIds.Contains(purchaseId);

        public bool HasToken(string token) => byToken.ContainsKey(token);

        public MarketIndex? FindIndex(string clientId, string market) =>
            indexes.TryGetValue((clientId, market), out var index) ? index : null;

        private MarketIndex IndexFor(string clientId, string market)
        {
            if (!indexes.TryGetValue((clientId, market), out var index))
            {
                index = new MarketIndex();
                indexes[(clientId, market)] = index;
                indexList.Add(index);
            }
            return index;
        }

        /// <summary>A fresh purchase id: 20 digits, the purchase time (UTC, yyMMddHHmmss) and a sequence, like ONE store's.</summary>
        public string NewPurchaseId(long purchaseTime)
        {
            var stamp = DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(0, purchaseTime)).UtcDateTime.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture);
            string id;
            do
            {
                id = stamp + (++idCounter % 100_000_000).ToString("D8", CultureInfo.InvariantCulture);
            }
            while (purchaseIds.Contains(id));
            return id;
        }

        /// <summary>A fresh purchase token: 20 characters.</summary>
        public string NewToken()
        {
            string token;
            do
            {
                token = "TK" + (++tokenCounter).ToString("D18", CultureInfo.InvariantCulture);
            }
            while (byToken.ContainsKey(token));
            return token;
        }

        /// <summary>Adds a complete purchase (ids unique: the caller checked). Returns it.</summary>
        public Purchase Add(Purchase p)
        {
            p.Seq = ++seq;
            byToken[p.PurchaseToken] = p;
            purchaseIds.Add(p.PurchaseId);
            var index = IndexFor(p.ClientId, p.MarketCode);
            if (p.IsVoided) index.Voided.Insert(p);
            else if (p.IsUnconfirmed) index.Unconfirmed.Insert(p);
            return p;
        }

        /// <summary>Adds many purchases of one app and market with one sort per list.</summary>
        public void AddMany(string clientId, string market, List<Purchase> batch)
        {
            var index = IndexFor(clientId, market);
            var voided = new List<Purchase>();
            var unconfirmed = new List<Purchase>();
            foreach (var p in batch)
            {
                p.Seq = ++seq;
                byToken[p.PurchaseToken] = p;
                purchaseIds.Add(p.PurchaseId);
                if (p.IsVoided) voided.Add(p);
                else if (p.IsUnconfirmed) unconfirmed.Add(p);
            }
            index.Voided.AddMany(voided);
            index.Unconfirmed.AddMany(unconfirmed);
        }

        /// <summary>
        /// Applies the 3-day automatic cancellation lazily: the unconfirmed lists are sorted by purchase time, so the
        /// purchases due are at their heads. ONE store cancels purchases not acknowledged within 3 days (acknowledgePurchase);
        /// they then appear in getVoidedPurchases with voidedTime = purchaseTime + 3 days.
        /// </summary>
        public void Sweep(long now)
        {
            var limit = now - Time.AutoCancelAfter;
            foreach (var index in indexList)
            {
                var list = index.Unconfirmed;
                if (list.Count == 0 || list[0].PurchaseTime > limit) continue;
                var due = new List<Purchase>();
                while (due.Count < list.Count && list[due.Count].PurchaseTime <= limit)
                {
                    due.Add(list[due.Count]);
                }
                list.RemoveFirst(due.Count);
                foreach (var p in due)
                {
                    ApplyVoid(p, p.PurchaseTime + Time.AutoCancelAfter, cancelReason: 1);
                    p.AutoCancelled = true;
                    Cancelled?.Invoke(p);
                }
                index.Voided.AddMany(due);
            }
        }

        /// <summary>A refund: the purchase is cancelled and listed as voided.</summary>
        public void Void(Purchase p, long voidedTime)
        {
            var index = IndexFor(p.ClientId, p.MarketCode);
            if (p.IsUnconfirmed) index.Unconfirmed.Remove(p);
            ApplyVoid(p, voidedTime, cancelReason: 1);
            index.Voided.Insert(p);
            Cancelled?.Invoke(p);
        }

        private static void ApplyVoid(Purchase p, long voidedTime, int cancelReason)
        {
            p.PurchaseState = 1;
            p.VoidedTime = voidedTime;
            if (p.Type != ProductType.Inapp)
            {
                p.LastPurchaseState = 1;
                p.AutoRenewing = false;
                p.CancelledTime ??= voidedTime;
                p.CancelReason ??= cancelReason;
                if (p.Type == ProductType.Subscription) p.PaymentState = null;
            }
        }

        /// <summary>Marks acknowledged (and consumed when asked), taking it off the unconfirmed list.</summary>
        public void Confirm(Purchase p, bool consume)
        {
            if (p.IsUnconfirmed) IndexFor(p.ClientId, p.MarketCode).Unconfirmed.Remove(p);
            p.AcknowledgeState = 1;
            if (consume) p.ConsumptionState = 1;
        }
    }
}
