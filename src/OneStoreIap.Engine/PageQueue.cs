using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// The hand-off between a listing's page fetcher (a thread-pool task) and the thread that drains it (a list cmdlet's pipeline thread). The fetcher
    /// reserves room before it asks for a page, so no more than the capacity is ever fetched and not yet taken. The
    /// pipeline thread blocks on a monitor, woken directly by the fetcher (no thread-pool hop per page).
    /// </summary>
    internal sealed class PageQueue<T> where T : class
    {
        private readonly object _gate = new object();
        private readonly Queue<T> _items = new Queue<T>();
        private readonly SemaphoreSlim _room;

        public PageQueue(int capacity) => _room = new SemaphoreSlim(capacity);

        /// <summary>Fetcher: waits until one more page may be fetched.</summary>
        public Task ReserveAsync(CancellationToken cancellationToken) => _room.WaitAsync(cancellationToken);

        /// <summary>Fetcher: gives back a reservation that no page will use.</summary>
        public void Release() => _room.Release();

        /// <summary>Fetcher: hands over a page (or the end, or a failure: those need no room).</summary>
        public void Add(T item)
        {
            lock (_gate)
            {
                _items.Enqueue(item);
                Monitor.Pulse(_gate);
            }
        }

        /// <summary>Pipeline thread: takes the next item, waiting up to <paramref name="millisecondsTimeout"/>; frees its room.</summary>
        public bool TryTake(int millisecondsTimeout, out T? item)
        {
            lock (_gate)
            {
                if (_items.Count == 0) Monitor.Wait(_gate, millisecondsTimeout);
                if (_items.Count == 0)
                {
                    item = null;
                    return false;
                }
                item = _items.Dequeue();
            }
            _room.Release();
            return true;
        }

        /// <summary>Wakes a waiting <see cref="TryTake"/> (Ctrl+C), which then returns false unless an item is there.</summary>
        public void Interrupt()
        {
            lock (_gate) Monitor.PulseAll(_gate);
        }
    }
}
