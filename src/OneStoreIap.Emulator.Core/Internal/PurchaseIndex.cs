using System;
using System.Collections.Generic;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>A list of purchases kept sorted by a comparer: binary-search inserts and removals, cheap ordered paging.</summary>
    internal sealed class SortedPurchases
    {
        private readonly List<Purchase> items = new();
        private readonly IComparer<Purchase> order;
        private readonly Func<Purchase, long> timeOf;

        public SortedPurchases(IComparer<Purchase> order, Func<Purchase, long> timeOf)
        {
            this.order = order;
            this.timeOf = timeOf;
        }

        public int Count => items.Count;

        public Purchase this[int index] => items[index];

        public long TimeAt(int index) => timeOf(items[index]);

        public void Insert(Purchase p)
        {
            var i = items.BinarySearch(p, order);
            items.Insert(i < 0 ? ~i : i, p);
        }

        public bool Remove(Purchase p)
        {
            var i = items.BinarySearch(p, order);
            if (i < 0) return false;
            items.RemoveAt(i);
            return true;
        }

        public void RemoveFirst(int count) => items.RemoveRange(0, count);

        /// <summary>Adds many at once: one sort instead of many shifting inserts.</summary>
        public void AddMany(List<Purchase> batch)
        {
            if (batch.Count < 32)
            {
                foreach (var p in batch) Insert(p);
                return;
            }
            var wasEmptyOrBefore = items.Count == 0 || order.Compare(items[items.Count - 1], batch[0]) < 0;
            items.AddRange(batch);
            if (!wasEmptyOrBefore || !IsSorted(batch))
            {
                items.Sort(order);
            }
        }

        private bool IsSorted(List<Purchase> batch)
        {
            for (var i = 1; i < batch.Count; i++)
            {
                if (order.Compare(batch[i - 1], batch[i]) > 0) return false;
            }
            return true;
        }

        public void Clear() => items.Clear();

        /// <summary>Index of the first item whose time is at or after <paramref name="time"/>.</summary>
        public int FirstAtOrAfter(long time)
        {
            int lo = 0, hi = items.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (timeOf(items[mid]) < time) lo = mid + 1; else hi = mid;
            }
            return lo;
        }

        /// <summary>Index of the first item that sorts after (time, purchaseId): where a continuation resumes.</summary>
        public int FirstAfter(long time, string purchaseId)
        {
            int lo = 0, hi = items.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                var p = items[mid];
                var t = timeOf(p);
                var c = t != time ? t.CompareTo(time) : string.CompareOrdinal(p.PurchaseId, purchaseId);
                if (c <= 0) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
    }

    /// <summary>The two sorted lists of one app in one market.</summary>
    internal sealed class MarketIndex
    {
        public readonly SortedPurchases Voided = new(VoidedOrder.Instance, p => p.VoidedTime!.Value);
        public readonly SortedPurchases Unconfirmed = new(UnconfirmedOrder.Instance, p => p.PurchaseTime);
    }
}
