using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The list cmdlets: follow continuationKey page by page and stream. The first page's first object is written
    /// before any other page is asked for, so Select-Object -First stops the paging early; after that, the next page
    /// is fetched while the current page's objects go down the pipeline (one page ahead at most, so memory stays flat).
    /// </summary>
    public abstract class OneStoreListCmdletBase<TItem> : OneStoreConnectedCmdletBase
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

        /// <summary>Fetches one page.</summary>
        internal abstract Task<PurchaseListPage<TItem>> FetchPageAsync(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken);

        /// <summary>Turns one row into the cmdlet's output object.</summary>
        internal abstract object ToOutput(TItem item, OneStoreClient client);

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
            using var listing = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
            Task<PurchaseListPage<TItem>> Fetch(string? continuationKey) => FetchPageAsync(client, new PurchaseListQuery
            {
                StartTimeMillis = start,
                EndTimeMillis = end,
                MaxResults = maxResults,
                ContinuationKey = continuationKey,
            }, listing.Token);

            string? key = null;
            int pages = 0;
            long rows = 0;
            // A new record each time: hosts may keep the records they are given.
            ProgressRecord Progress(ProgressRecordType type) =>
                new ProgressRecord(1, ActivityName, $"{pages} page(s), {rows} purchase(s)") { RecordType = type };
            Task<PurchaseListPage<TItem>>? pending = Fetch(null);
            try
            {
                while (pending != null)
                {
                    PurchaseListPage<TItem> page = Await(pending);
                    pending = null;
                    pages++;
                    rows += page.Items.Count;
                    WriteProgress(Progress(ProgressRecordType.Processing));

                    string? next = page.ContinuationKey;
                    if (!string.IsNullOrEmpty(next) && next == key)
                    {
                        WriteError(new ErrorRecord(new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                            "ONE store returned the same continuationKey twice; paging stopped to avoid a loop."),
                            OneStoreErrorCodes.ProtocolError, ErrorCategory.ProtocolError, next));
                        next = null;
                    }
                    key = next;
                    bool more = !string.IsNullOrEmpty(next);
                    if (more && page.Items.Count == 0) pending = Fetch(next);
                    foreach (TItem item in page.Items)
                    {
                        WriteObject(ToOutput(item, client));
                        // The first object is out: from now on, fetch the next page while this one is written.
                        if (more && pending == null) pending = Fetch(next);
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
                // Observe an abandoned page's failure so it is never reported as unobserved.
                pending?.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                try { WriteProgress(Progress(ProgressRecordType.Completed)); } catch (PipelineStoppedException) { }
            }
        }
    }

    /// <summary>Get-OneStoreVoidedPurchase: getVoidedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreVoidedPurchase")]
    [OutputType(typeof(VoidedPurchase))]
    public sealed class GetOneStoreVoidedPurchaseCommand : OneStoreListCmdletBase<VoidedPurchaseItem>
    {
        internal override string ActivityName => "Listing voided purchases";

        internal override Task<PurchaseListPage<VoidedPurchaseItem>> FetchPageAsync(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken) =>
            client.GetVoidedPurchasesPageAsync(query, RequestLog, cancellationToken);

        internal override object ToOutput(VoidedPurchaseItem item, OneStoreClient client) => OutputMapper.ToVoided(item, client);
    }

    /// <summary>Get-OneStoreUnconfirmedPurchase: getUnconfirmedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreUnconfirmedPurchase")]
    [OutputType(typeof(UnconfirmedPurchase))]
    public sealed class GetOneStoreUnconfirmedPurchaseCommand : OneStoreListCmdletBase<UnconfirmedPurchaseItem>
    {
        internal override string ActivityName => "Listing unconfirmed purchases";

        internal override Task<PurchaseListPage<UnconfirmedPurchaseItem>> FetchPageAsync(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken) =>
            client.GetUnconfirmedPurchasesPageAsync(query, RequestLog, cancellationToken);

        internal override object ToOutput(UnconfirmedPurchaseItem item, OneStoreClient client) => OutputMapper.ToUnconfirmed(item, client);
    }
}
