using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The list cmdlets: one listing of a window, every page, from its start or from a continuation key.
    /// </summary>
    public abstract class OneStoreListCmdletBase : OneStoreListingCmdletBase
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

        /// <summary>
        /// Resumes a listing from this key (a failed listing's error states it), with the same -StartTime, -EndTime and
        /// -PageSize the listing was started with: the rows it yields are exactly those the unbroken listing would have.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ContinuationKey { get; set; }

        /// <summary>Starts the listing: the engine's pager, its rows turned into the cmdlet's output objects.</summary>
        internal abstract PurchasePager<object> OpenPager(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken);

        /// <summary>The query the listing starts from.</summary>
        internal PurchaseListQuery BuildQuery()
        {
            long? start = MyInvocation.BoundParameters.ContainsKey(nameof(StartTime)) ? StartTime.ToUnixTimeMilliseconds() : (long?)null;
            long? end = MyInvocation.BoundParameters.ContainsKey(nameof(EndTime)) ? EndTime.ToUnixTimeMilliseconds() : (long?)null;
            int? maxResults = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null;
            return new PurchaseListQuery { StartTimeMillis = start, EndTimeMillis = end, MaxResults = maxResults, ContinuationKey = ContinuationKey };
        }

        protected override void ProcessRecord()
        {
            OneStoreClient client = GetConnection().Client;
            PurchaseListQuery query = BuildQuery();
            CheckWindow(client, query);
            Drain(OpenPager(client, query, CancellationToken), WriteObject);
        }
    }
}
