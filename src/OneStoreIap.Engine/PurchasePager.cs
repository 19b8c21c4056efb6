using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// Where a listing (getVoidedPurchases, getUnconfirmedPurchases) stands: the continuationKey a page is asked for
    /// with (null: the window's first page) and the window every page of the listing is asked for with. On a failed
    /// page's error (<see cref="OneStoreApiException.ResumeFrom"/>) it is where to start again: the same window from
    /// that key loses and repeats nothing.
    /// </summary>
    public sealed class ListingPosition
    {
        public ListingPosition(string? continuationKey, long? startTimeMillis, long? endTimeMillis, int? maxResults, int page)
        {
            ContinuationKey = string.IsNullOrEmpty(continuationKey) ? null : continuationKey;
            StartTimeMillis = startTimeMillis;
            EndTimeMillis = endTimeMillis;
            MaxResults = maxResults;
            Page = page;
        }

        /// <summary>The key to ask for the page with; null for the window's first page.</summary>
        public string? ContinuationKey { get; }

        /// <summary>The window's start (epoch milliseconds), as the listing sent it; null when the server derives it.</summary>
        public long? StartTimeMillis { get; }

        /// <summary>The window's end (epoch milliseconds), as the listing sent it; null when the server derives it.</summary>
        public long? EndTimeMillis { get; }

        /// <summary>The page size the listing asked for; null for the server's default.</summary>
        public int? MaxResults { get; }

        /// <summary>The page's number in its listing, 1 for the page the listing started with.</summary>
        public int Page { get; }

        /// <summary>The query that asks for this page.</summary>
        public PurchaseListQuery ToQuery() => new PurchaseListQuery
        {
            ContinuationKey = ContinuationKey,
            StartTimeMillis = StartTimeMillis,
            EndTimeMillis = EndTimeMillis,
            MaxResults = MaxResults,
        };
    }

    /// <summary>One page of a listing as the pager hands it over: its rows turned into the caller's objects.</summary>
    public sealed class PurchasePage<T>
    {
        internal PurchasePage(T[] items, int page, string? continuationKey, string? nextContinuationKey)
        {
            Items = items;
            Page = page;
            ContinuationKey = continuationKey;
            NextContinuationKey = nextContinuationKey;
        }

        public IReadOnlyList<T> Items { get; }

        /// <summary>The page's number in its listing, from 1.</summary>
        public int Page { get; }

        /// <summary>The key this page was asked for with; null for the window's first page.</summary>
        public string? ContinuationKey { get; }

        /// <summary>
        /// The key of the next page; null when this is the last. Once this page's rows are handled, the listing can be
        /// resumed from here (a checkpoint).
        /// </summary>
        public string? NextContinuationKey { get; }
    }

    /// <summary>
    /// Runs one listing of getVoidedPurchases or getUnconfirmedPurchases (spec: continuationKey) off the caller's
    /// thread, and hands its pages over one by one (<see cref="TryTake"/>), so memory stays flat however long the list:
    /// <list type="bullet">
    /// <item>The second page is not asked for before the caller has consumed the first page's first object
    /// (<see cref="FirstItemConsumed"/>), so reading one object costs one request.</item>
    /// <item>After that at most <see cref="PagesAhead"/> pages are fetched or waiting beyond the one being consumed; when
    /// a reply starts with its continuationKey (the spec's layout) the next page is asked for while this one is parsed.</item>
    /// <item>A continuationKey that any earlier page of the listing gave (or the starting key), and more than
    /// <see cref="MaxEmptyPagesInARow"/> empty pages in a row that each give a new key, end the listing with a
    /// ProtocolError naming the page: the spec's server never does either, and a server that does would be
    /// followed forever.</item>
    /// <item>A page that fails ends the listing with its error, whose <see cref="OneStoreApiException.ResumeFrom"/>
    /// says where to start again.</item>
    /// </list>
    /// Thread-safe for one consumer.
    /// </summary>
    public sealed class PurchasePager<T> : IDisposable where T : class
    {
        /// <summary>Pages fetched beyond the one being consumed: one waiting and one in flight, so the next request never waits for the consumer to wake.</summary>
        public const int PagesAhead = 2;

        /// <summary>Empty pages in a row, each with a new continuationKey, before the listing is refused as endless.</summary>
        public const int MaxEmptyPagesInARow = 10;

        private readonly Func<PurchaseListQuery, CancellationToken, Task<PurchaseListReply>> _fetch;
        private readonly Func<PurchaseListReply, (T[] Items, string? ContinuationKey)> _parse;
        private readonly string _listName;
        private readonly ListingPosition _start;
        private readonly PageQueue<Entry> _pages = new PageQueue<Entry>(PagesAhead);
        private readonly TaskCompletionSource<bool> _firstConsumed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _cancel;
        private readonly Dictionary<string, int> _seen = new Dictionary<string, int>(StringComparer.Ordinal); // key -> the page that gave it (0: the start)
        private readonly Task _producer;
        private bool _ended;
        private int _disposed;

        internal PurchasePager(string listName, PurchaseListQuery query,
            Func<PurchaseListQuery, CancellationToken, Task<PurchaseListReply>> fetch,
            Func<PurchaseListReply, (T[] Items, string? ContinuationKey)> parse,
            CancellationToken cancellationToken)
        {
            if (query == null) throw new ArgumentNullException(nameof(query));
            _listName = listName;
            _fetch = fetch;
            _parse = parse;
            _start = new ListingPosition(query.ContinuationKey, query.StartTimeMillis, query.EndTimeMillis, query.MaxResults, 1);
            if (_start.ContinuationKey != null) _seen[_start.ContinuationKey] = 0;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _cancel.Token.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetCanceled(), _firstConsumed);

            // The caller's execution context is not needed by the requests (and PowerShell's, with its culture
            // async-locals, would make every await switch cultures).
            AsyncFlowControl? noFlow = ExecutionContext.IsFlowSuppressed() ? (AsyncFlowControl?)null : ExecutionContext.SuppressFlow();
            try
            {
                _producer = Task.Run(ProduceAsync);
            }
            finally
            {
                noFlow?.Undo();
            }
        }

        /// <summary>Where the listing started.</summary>
        public ListingPosition Start => _start;

        /// <summary>
        /// Waits up to <paramref name="millisecondsTimeout"/> for the next page. True with a page; true with null when
        /// the listing has ended; false when nothing came in time (or <see cref="Interrupt"/> woke it). Throws the error
        /// that ended the listing, once; after the end, returns true with null.
        /// </summary>
        public bool TryTake(int millisecondsTimeout, out PurchasePage<T>? page)
        {
            page = null;
            if (_ended) return true;
            if (!_pages.TryTake(millisecondsTimeout, out Entry? entry)) return false;
            if (entry!.Page != null)
            {
                page = entry.Page;
                return true;
            }
            _ended = true;
            entry.Failure?.Throw();
            return true;
        }

        /// <summary>The caller has consumed the first object: from now on the following pages are fetched ahead.</summary>
        public void FirstItemConsumed() => _firstConsumed.TrySetResult(true);

        /// <summary>Wakes a waiting <see cref="TryTake"/> (Ctrl+C).</summary>
        public void Interrupt() => _pages.Interrupt();

        /// <summary>Stops the listing: a page in flight is cancelled.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _cancel.Cancel();
            // The fetcher may still be unwinding from a cancelled request: dispose once it is done.
            _producer.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), _cancel,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private Task<PurchaseListReply> Fetch(string? continuationKey) => _fetch(new PurchaseListQuery
        {
            StartTimeMillis = _start.StartTimeMillis,
            EndTimeMillis = _start.EndTimeMillis,
            MaxResults = _start.MaxResults,
            ContinuationKey = continuationKey,
        }, _cancel.Token);

        /// <summary>Fetches and parses the pages in order. Never throws: a failure is handed over as the last entry.</summary>
        private async Task ProduceAsync()
        {
            CancellationToken cancellationToken = _cancel.Token;
            string? key = _start.ContinuationKey;   // the key the page in hand was asked for with
            int page = 1;
            string? nextKey = key;                  // the key the page in flight was asked for with
            int nextPage = 1;
            string? failingKey = key;               // the page that an error below would be about
            int failingPage = 1;
            int emptyInARow = 0;
            Task<PurchaseListReply>? next = null;
            bool waitForFirstObject = true;
            try
            {
                await _pages.ReserveAsync(cancellationToken).ConfigureAwait(false);
                next = Fetch(key);
                while (next != null)
                {
                    failingKey = nextKey;
                    failingPage = nextPage;
                    PurchaseListReply reply = await next.ConfigureAwait(false);
                    next = null;
                    key = nextKey;
                    page = nextPage;
                    // From the second page on, when the reply starts with its continuation key, the next page is asked
                    // for before this one is parsed: its round trip overlaps the parsing. Never with a key seen before, nor
                    // when this page may be the empty one too many.
                    bool reserved = false;
                    string? early = reply.EarlyContinuationKey;
                    if (!waitForFirstObject && !string.IsNullOrEmpty(early) && !_seen.ContainsKey(early!) && emptyInARow < MaxEmptyPagesInARow)
                    {
                        await _pages.ReserveAsync(cancellationToken).ConfigureAwait(false);
                        reserved = true;
                        nextKey = early;
                        nextPage = page + 1;
                        next = Fetch(early);
                    }

                    failingKey = key;
                    failingPage = page;
                    (T[] items, string? following) = _parse(reply);
                    if (string.IsNullOrEmpty(following)) following = null;
                    emptyInARow = items.Length == 0 ? emptyInARow + 1 : 0;
                    OneStoreApiException? refusal = null;
                    if (following != null)
                    {
                        if (_seen.TryGetValue(following, out int gaveIt))
                            refusal = Refuse($"ONE store's page {page} of {_listName} gave the continuationKey '{Key(following)}' that "
                                + (gaveIt == 0 ? "the listing started from" : $"page {gaveIt} gave")
                                + "; paging stopped, as following it would repeat the listing forever.");
                        else if (emptyInARow > MaxEmptyPagesInARow)
                            refusal = Refuse($"ONE store's pages {page - emptyInARow + 1} to {page} of {_listName} were all empty, each with a new continuationKey; paging stopped after {MaxEmptyPagesInARow + 1} empty pages in a row, as the listing may never end.");
                        if (refusal != null) following = null;
                        else _seen[following] = page;
                    }
                    if (next != null && following != nextKey)
                    {
                        // The parsed key decides: a page asked for with another one (a reply with two keys) is dropped.
                        Abandon(next);
                        next = null;
                    }
                    _pages.Add(new Entry(new PurchasePage<T>(items, page, key, following), null));
                    if (refusal != null)
                    {
                        if (reserved) _pages.Release();
                        _pages.Add(new Entry(null, ExceptionDispatchInfo.Capture(refusal)));
                        return;
                    }

                    if (following != null && next == null)
                    {
                        if (waitForFirstObject)
                        {
                            // The first page: the second is not asked for before the first object has been consumed.
                            if (items.Length > 0) await _firstConsumed.Task.ConfigureAwait(false);
                            waitForFirstObject = false;
                        }
                        // The room reserved for a dropped early request serves this one.
                        if (!reserved) await _pages.ReserveAsync(cancellationToken).ConfigureAwait(false);
                        nextKey = following;
                        nextPage = page + 1;
                        next = Fetch(following);
                    }
                    else if (reserved && next == null)
                    {
                        // Reserved for an early request that was dropped, and there is no next page.
                        _pages.Release();
                    }
                }
                _pages.Add(new Entry(null, null));
            }
            catch (Exception e)
            {
                // When the listing was stopped nobody reads this; otherwise it ends the listing with this error.
                // A page still in flight belongs to nobody now: observe its failure.
                if (next != null) Abandon(next);
                if (e is OneStoreApiException api && api.ResumeFrom == null)
                    api.ResumeFrom = new ListingPosition(failingKey, _start.StartTimeMillis, _start.EndTimeMillis, _start.MaxResults, failingPage);
                _pages.Add(new Entry(null, ExceptionDispatchInfo.Capture(e)));
            }
        }

        private static OneStoreApiException Refuse(string message) =>
            new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError, message, 200);

        /// <summary>A key as the messages show it: the spec's keys are 41 characters; a hostile server's may be anything.</summary>
        private static string Key(string key) => OneStoreClient.Sanitize(key, 60);

        /// <summary>A page request nobody will read: its failure is observed, so it is not reported as unobserved.</summary>
        private static void Abandon(Task task) =>
            task.ContinueWith(static t => t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        /// <summary>A page, or the end of the listing (both null), or the failure that ended it.</summary>
        private sealed class Entry
        {
            public Entry(PurchasePage<T>? page, ExceptionDispatchInfo? failure)
            {
                Page = page;
                Failure = failure;
            }

            public PurchasePage<T>? Page { get; }
            public ExceptionDispatchInfo? Failure { get; }
        }
    }
}
