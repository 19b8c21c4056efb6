using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The list cmdlets: follow continuationKey page by page and stream. The first page's first object is written
    /// before any other page is asked for, so Select-Object -First 1 costs one request; after that, the following
    /// pages are fetched (and turned into output objects) off the pipeline thread while the current page's objects go
    /// down the pipeline, at most <see cref="PagesAhead"/> pages ahead, so memory stays flat however long the list.
    /// </summary>
    public abstract class OneStoreListCmdletBase : OneStoreConnectedCmdletBase
    {
        /// <summary>The start of the window (sent as epoch milliseconds). Alone, the server sets the end one month later.</summary>
        [Parameter]
        public DateTimeOffset StartTime { get; set; }

        /// <summary>The end of the window (sent as epoch milliseconds). Alone, the server sets the start one month earlier.</summary>
        [Parameter]
        public DateTimeOffset EndTime { get; set; }

        /// <summary>How many rows to ask for per page (the spec's maxResults, 1-100; the server's default is 100).</summary>
        [Parameter]
        [ValidateRange(1, 100)]
        public int PageSize { get; set; }

        internal abstract string ActivityName { get; }

        /// <summary>Fetches one page, its rows not yet parsed.</summary>
        internal abstract Task<PurchaseListReply> FetchPageAsync(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken);

        /// <summary>Parses the rows of a fetched page into the cmdlet's output objects (see <see cref="ToOutputs{TItem}"/>), and its continuation key.</summary>
        internal abstract object[] ParsePage(OneStoreClient client, PurchaseListReply reply, out string? continuationKey);

        /// <summary>Turns one page's rows into output objects.</summary>
        internal static object[] ToOutputs<TItem>(PurchaseListPage<TItem> page, OneStoreClient client, Func<TItem, OneStoreClient, object> map,
            out string? continuationKey)
        {
            continuationKey = page.ContinuationKey;
            var items = new object[page.Items.Count];
            for (int i = 0; i < items.Length; i++) items[i] = map(page.Items[i], client);
            return items;
        }

        protected override void ProcessRecord()
        {
            OneStoreClient client = GetConnection().Client;
            long? start = MyInvocation.BoundParameters.ContainsKey(nameof(StartTime)) ? StartTime.ToUnixTimeMilliseconds() : (long?)null;
            long? end = MyInvocation.BoundParameters.ContainsKey(nameof(EndTime)) ? EndTime.ToUnixTimeMilliseconds() : (long?)null;
            int? maxResults = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null;
            if (start > end)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-StartTime is after -EndTime."),
                    OneStoreErrorCodes.InvalidTimeRange, ErrorCategory.InvalidArgument, null));
            }

            // Cancelled when this command ends early (Select-Object -First, an error, Ctrl+C) with a page still in flight.
            var listing = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
            var pages = new PageQueue<Batch>(PagesAhead);
            using CancellationTokenRegistration stopping = CancellationToken.Register(pages.Interrupt);
            var firstWritten = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            listing.Token.Register(() => firstWritten.TrySetCanceled());
            var query = new PurchaseListQuery { StartTimeMillis = start, EndTimeMillis = end, MaxResults = maxResults };
            Task producer;
            using (SuppressContextFlow())
                producer = Task.Run(() => ProduceAsync(client, query, pages, firstWritten.Task, listing.Token));

            int pageCount = 0;
            long rows = 0;
            string? key = null;
            // A new record each time: hosts may keep the records they are given.
            ProgressRecord Progress(ProgressRecordType type) =>
                new ProgressRecord(1, ActivityName, $"{pageCount} page(s), {rows} purchase(s)") { RecordType = type };
            try
            {
                while (true)
                {
                    Batch? batch;
                    while (!pages.TryTake(250, out batch))
                    {
                        if (CancellationToken.IsCancellationRequested) throw new PipelineStoppedException();
                        FlushRequestLog();
                    }
                    FlushRequestLog();
                    if (batch!.Failure != null)
                    {
                        key = batch.Key;
                        throw batch.Failure;
                    }
                    if (batch.Items == null) break;
                    pageCount++;
                    rows += batch.Items.Length;
                    if (ProgressDue()) WriteProgress(Progress(ProgressRecordType.Processing));
                    foreach (object item in batch.Items)
                    {
                        WriteObject(item);
                        // The first object is out: from now on the next pages are fetched while these are written.
                        firstWritten.TrySetResult(true);
                    }
                    if (batch.RepeatedKey != null)
                    {
                        WriteError(new ErrorRecord(new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                            "ONE store returned the same continuationKey twice; paging stopped to avoid a loop."),
                            OneStoreErrorCodes.ProtocolError, ErrorCategory.ProtocolError, batch.RepeatedKey));
                    }
                }
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception e) when (e is OneStoreApiException || e is ObjectDisposedException)
            {
                // A failed page ends the listing: the rest cannot be reached without its continuation key.
                if (IsStopping(e)) throw new PipelineStoppedException();
                ThrowTerminatingError(CreateErrorRecord(e, key));
            }
            finally
            {
                listing.Cancel();
                // The fetcher may still be unwinding from a cancelled request: dispose once it is done.
                producer.ContinueWith(_ => listing.Dispose(), TaskScheduler.Default);
                if (ProgressShown)
                {
                    try { WriteProgress(Progress(ProgressRecordType.Completed)); } catch (PipelineStoppedException) { }
                }
            }
        }

        /// <summary>
        /// How many pages may be fetched beyond the one being written: one waiting to be written and one in flight.
        /// Two, not one, so that the next request never waits for the pipeline thread to wake up and take a page.
        /// </summary>
        internal const int PagesAhead = 2;

        /// <summary>
        /// Fetches the pages one after the other and turns their rows into output objects, off the pipeline thread.
        /// The second page is not asked for before the first object has been written (so Select-Object -First 1 costs
        /// one request); after that, at most <see cref="PagesAhead"/> pages are fetched or waiting, so memory stays flat.
        /// Never throws: a failure is handed to the pipeline thread as the last batch.
        /// </summary>
        private async Task ProduceAsync(OneStoreClient client, PurchaseListQuery query, PageQueue<Batch> pages, Task firstWritten, CancellationToken cancellationToken)
        {
            Task<PurchaseListReply> Fetch(string? continuationKey) => FetchPageAsync(client, new PurchaseListQuery
            {
                StartTimeMillis = query.StartTimeMillis,
                EndTimeMillis = query.EndTimeMillis,
                MaxResults = query.MaxResults,
                ContinuationKey = continuationKey,
            }, cancellationToken);

            string? key = null;            // the key the page in hand was asked for with
            string? nextKey = null;        // the key the page in flight was asked for with
            string? failingKey = null;     // the key of the page that an error below would be about
            Task<PurchaseListReply>? next = null;
            bool waitForFirstObject = true;
            try
            {
                await pages.ReserveAsync(cancellationToken).ConfigureAwait(false);
                next = Fetch(null);
                while (next != null)
                {
                    failingKey = nextKey;
                    PurchaseListReply reply = await next.ConfigureAwait(false);
                    next = null;
                    key = nextKey;
                    // From the second page on, when the reply starts with its continuation key (the spec's layout), the
                    // next page is asked for before this one is parsed: its round trip overlaps the parsing.
                    bool reserved = false;
                    string? early = reply.EarlyContinuationKey;
                    if (!waitForFirstObject && !string.IsNullOrEmpty(early) && early != key)
                    {
                        await pages.ReserveAsync(cancellationToken).ConfigureAwait(false);
                        reserved = true;
                        nextKey = early;
                        next = Fetch(early);
                    }

                    failingKey = key;
                    object[] items = ParsePage(client, reply, out string? following);
                    string? repeated = null;
                    if (!string.IsNullOrEmpty(following) && following == key)
                    {
                        repeated = following;
                        following = null;
                    }
                    bool more = !string.IsNullOrEmpty(following);
                    if (next != null && (!more || following != nextKey))
                    {
                        // The parsed key decides: a page asked for with another one (a reply with two keys) is dropped.
                        Abandon(next);
                        next = null;
                    }
                    pages.Add(new Batch(items, repeated, null, null));

                    if (more && next == null)
                    {
                        if (waitForFirstObject)
                        {
                            // The first page: the second is not asked for before the first object has been written.
                            if (items.Length > 0) await firstWritten.ConfigureAwait(false);
                            waitForFirstObject = false;
                        }
                        // The room reserved for a dropped early request serves this one.
                        if (!reserved) await pages.ReserveAsync(cancellationToken).ConfigureAwait(false);
                        nextKey = following;
                        next = Fetch(following);
                    }
                    else if (reserved && next == null)
                    {
                        // Reserved for an early request that was dropped, and there is no next page.
                        pages.Release();
                    }
                }
                pages.Add(new Batch(null, null, null, null));
            }
            catch (Exception e)
            {
                // When the command has ended (cancelled) nobody reads this; otherwise it ends the listing with this error.
                // A page still in flight belongs to nobody now: observe its failure.
                if (next != null) Abandon(next);
                pages.Add(new Batch(null, null, e, failingKey));
            }
        }

        /// <summary>A page request nobody will read: its failure is observed, so it is not reported as unobserved.</summary>
        private static void Abandon(Task task) =>
            task.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        /// <summary>One page's output objects, or the end of the listing (Items null), or the failure that ended it.</summary>
        private sealed class Batch
        {
            public Batch(object[]? items, string? repeatedKey, Exception? failure, string? key)
            {
                Items = items;
                RepeatedKey = repeatedKey;
                Failure = failure;
                Key = key;
            }

            public object[]? Items { get; }
            public string? RepeatedKey { get; }
            public Exception? Failure { get; }
            public string? Key { get; }
        }
    }

    /// <summary>Get-OneStoreVoidedPurchase: getVoidedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreVoidedPurchase")]
    [OutputType(typeof(VoidedPurchase))]
    public sealed class GetOneStoreVoidedPurchaseCommand : OneStoreListCmdletBase
    {
        internal override string ActivityName => "Listing voided purchases";

        internal override Task<PurchaseListReply> FetchPageAsync(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken) =>
            client.FetchVoidedPurchasesPageAsync(query, RequestLog, cancellationToken);

        internal override object[] ParsePage(OneStoreClient client, PurchaseListReply reply, out string? continuationKey) =>
            ToOutputs(client.ParseVoidedPurchasesPage(reply), client, OutputMapper.ToVoided, out continuationKey);
    }

    /// <summary>Get-OneStoreUnconfirmedPurchase: getUnconfirmedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreUnconfirmedPurchase")]
    [OutputType(typeof(UnconfirmedPurchase))]
    public sealed class GetOneStoreUnconfirmedPurchaseCommand : OneStoreListCmdletBase
    {
        internal override string ActivityName => "Listing unconfirmed purchases";

        internal override Task<PurchaseListReply> FetchPageAsync(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken) =>
            client.FetchUnconfirmedPurchasesPageAsync(query, RequestLog, cancellationToken);

        internal override object[] ParsePage(OneStoreClient client, PurchaseListReply reply, out string? continuationKey) =>
            ToOutputs(client.ParseUnconfirmedPurchasesPage(reply), client, OutputMapper.ToUnconfirmed, out continuationKey);
    }
}
