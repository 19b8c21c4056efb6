using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The hand-off between a list cmdlet's page fetcher (a thread-pool task) and its pipeline thread. The fetcher
    /// reserves room before it asks for a page, so no more than the capacity is ever fetched and not yet taken.
    /// </summary>
    internal sealed class PageQueue<T> where T : class
    {
        private readonly ConcurrentQueue<T> _items = new ConcurrentQueue<T>();
        private readonly SemaphoreSlim _ready = new SemaphoreSlim(0);
        private readonly SemaphoreSlim _room;

        public PageQueue(int capacity) => _room = new SemaphoreSlim(capacity);

        /// <summary>Fetcher: waits until one more page may be fetched.</summary>
        public Task ReserveAsync(CancellationToken cancellationToken) => _room.WaitAsync(cancellationToken);

        /// <summary>Fetcher: hands over a page (or the end, or a failure: those need no room).</summary>
        public void Add(T item)
        {
            _items.Enqueue(item);
            _ready.Release();
        }

        /// <summary>Pipeline thread: completes when an item can be taken.</summary>
        public Task WaitAsync(CancellationToken cancellationToken) => _ready.WaitAsync(cancellationToken);

        /// <summary>Pipeline thread: takes the next item, once <see cref="WaitAsync"/> has completed, and frees its room.</summary>
        public T Take()
        {
            _items.TryDequeue(out T? item);
            _room.Release();
            return item!;
        }
    }
}
