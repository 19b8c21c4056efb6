using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The list cmdlets: drain the engine's pager (<see cref="PurchasePager{T}"/>), which follows continuationKey page
    /// by page off the pipeline thread, at most two pages ahead, and refuses a listing that would never end. The first
    /// page's first object is written before any other page is asked for, so Select-Object -First 1 costs one request.
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

        /// <summary>Starts the listing: the engine's pager, its rows turned into the cmdlet's output objects.</summary>
        internal abstract PurchasePager<object> OpenPager(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken);

        /// <summary>The query the listing starts from; a derived cmdlet may set more (a continuation key).</summary>
        internal virtual PurchaseListQuery BuildQuery()
        {
            long? start = MyInvocation.BoundParameters.ContainsKey(nameof(StartTime)) ? StartTime.ToUnixTimeMilliseconds() : (long?)null;
            long? end = MyInvocation.BoundParameters.ContainsKey(nameof(EndTime)) ? EndTime.ToUnixTimeMilliseconds() : (long?)null;
            int? maxResults = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null;
            return new PurchaseListQuery { StartTimeMillis = start, EndTimeMillis = end, MaxResults = maxResults };
        }

        protected override void ProcessRecord()
        {
            OneStoreClient client = GetConnection().Client;
            PurchaseListQuery query = BuildQuery();
            if (query.StartTimeMillis > query.EndTimeMillis)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-StartTime is after -EndTime."),
                    OneStoreErrorCodes.InvalidTimeRange, ErrorCategory.InvalidArgument, null));
            }

            int pageCount = 0;
            long rows = 0;
            // A new record each time: hosts may keep the records they are given.
            ProgressRecord Progress(ProgressRecordType type) =>
                new ProgressRecord(1, ActivityName, $"{pageCount} page(s), {rows} purchase(s)") { RecordType = type };
            PurchasePager<object>? pager = null;
            try
            {
                // Disposed when this command ends early (Select-Object -First, an error, Ctrl+C) with a page in flight.
                pager = OpenPager(client, query, CancellationToken);
                using CancellationTokenRegistration stopping = CancellationToken.Register(pager.Interrupt);
                bool first = true;
                while (true)
                {
                    PurchasePage<object>? page;
                    while (!pager.TryTake(250, out page))
                    {
                        if (CancellationToken.IsCancellationRequested) throw new PipelineStoppedException();
                        FlushRequestLog();
                    }
                    FlushRequestLog();
                    if (page == null) break;
                    pageCount++;
                    rows += page.Items.Count;
                    if (ProgressDue()) WriteProgress(Progress(ProgressRecordType.Processing));
                    foreach (object item in page.Items)
                    {
                        WriteObject(item);
                        if (first)
                        {
                            // The first object is out: from now on the next pages are fetched while these are written.
                            pager.FirstItemConsumed();
                            first = false;
                        }
                    }
                }
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (Exception e) when (e is OneStoreApiException || e is ObjectDisposedException)
            {
                // A failed page ends the listing: the rest cannot be reached without its continuation key, which the
                // error carries (ResumeFrom) and names as its target.
                if (IsStopping(e)) throw new PipelineStoppedException();
                FlushRequestLog();
                ThrowTerminatingError(CreateErrorRecord(e, (e as OneStoreApiException)?.ResumeFrom?.ContinuationKey));
            }
            finally
            {
                pager?.Dispose();
                if (ProgressShown)
                {
                    try { WriteProgress(Progress(ProgressRecordType.Completed)); } catch (PipelineStoppedException) { }
                }
            }
        }
    }

    /// <summary>Get-OneStoreVoidedPurchase: getVoidedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreVoidedPurchase")]
    [OutputType(typeof(VoidedPurchase))]
    public sealed class GetOneStoreVoidedPurchaseCommand : OneStoreListCmdletBase
    {
        internal override string ActivityName => "Listing voided purchases";

        internal override PurchasePager<object> OpenPager(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken) =>
            client.ListVoidedPurchases<object>(query, item => OutputMapper.ToVoided(item, client), RequestLog, cancellationToken);
    }

    /// <summary>Get-OneStoreUnconfirmedPurchase: getUnconfirmedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreUnconfirmedPurchase")]
    [OutputType(typeof(UnconfirmedPurchase))]
    public sealed class GetOneStoreUnconfirmedPurchaseCommand : OneStoreListCmdletBase
    {
        internal override string ActivityName => "Listing unconfirmed purchases";

        internal override PurchasePager<object> OpenPager(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken) =>
            client.ListUnconfirmedPurchases<object>(query, item => OutputMapper.ToUnconfirmed(item, client), RequestLog, cancellationToken);
    }
}
