using System;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The list cmdlets: follow continuationKey page by page and stream. A page's objects are written before the next
    /// page is asked for, so Select-Object -First stops the paging early and memory stays flat.
    /// </summary>
    public abstract class OneStoreListCmdletBase : OneStoreCmdletBase
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

        /// <summary>Fetches one page and writes its rows; returns the next continuation key.</summary>
        internal abstract string? WritePage(OneStoreClient client, PurchaseListQuery query);

        protected override void ProcessRecord()
        {
            OneStoreClient client = GetConnection().Client;
            var query = new PurchaseListQuery
            {
                StartTimeMillis = MyInvocation.BoundParameters.ContainsKey(nameof(StartTime)) ? StartTime.ToUnixTimeMilliseconds() : (long?)null,
                EndTimeMillis = MyInvocation.BoundParameters.ContainsKey(nameof(EndTime)) ? EndTime.ToUnixTimeMilliseconds() : (long?)null,
                MaxResults = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null,
            };
            if (query.StartTimeMillis > query.EndTimeMillis)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-StartTime is after -EndTime."),
                    OneStoreErrorCodes.InvalidTimeRange, ErrorCategory.InvalidArgument, null));
            }

            int pages = 0;
            var progress = new ProgressRecord(1, ActivityName, "Fetching the first page");
            try
            {
                while (true)
                {
                    pages++;
                    progress.StatusDescription = $"Page {pages}";
                    WriteProgress(progress);
                    string? next = WritePage(client, query);
                    if (string.IsNullOrEmpty(next)) break;
                    if (next == query.ContinuationKey)
                    {
                        WriteError(new ErrorRecord(new OneStoreApiException(OneStoreErrorKind.Protocol, OneStoreErrorCodes.ProtocolError,
                            "ONE store returned the same continuationKey twice; paging stopped to avoid a loop."),
                            OneStoreErrorCodes.ProtocolError, ErrorCategory.ProtocolError, next));
                        break;
                    }
                    query.ContinuationKey = next;
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
                ThrowTerminatingError(CreateErrorRecord(e, query.ContinuationKey));
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                try { WriteProgress(progress); } catch (PipelineStoppedException) { }
            }
        }
    }

    /// <summary>Get-OneStoreVoidedPurchase: getVoidedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreVoidedPurchase")]
    [OutputType(typeof(VoidedPurchase))]
    public sealed class GetOneStoreVoidedPurchaseCommand : OneStoreListCmdletBase
    {
        internal override string ActivityName => "Listing voided purchases";

        internal override string? WritePage(OneStoreClient client, PurchaseListQuery query)
        {
            PurchaseListPage<VoidedPurchaseItem> page = Await(client.GetVoidedPurchasesPageAsync(query, RequestLog, CancellationToken));
            foreach (VoidedPurchaseItem item in page.Items) WriteObject(OutputMapper.ToVoided(item, client));
            return page.ContinuationKey;
        }
    }

    /// <summary>Get-OneStoreUnconfirmedPurchase: getUnconfirmedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreUnconfirmedPurchase")]
    [OutputType(typeof(UnconfirmedPurchase))]
    public sealed class GetOneStoreUnconfirmedPurchaseCommand : OneStoreListCmdletBase
    {
        internal override string ActivityName => "Listing unconfirmed purchases";

        internal override string? WritePage(OneStoreClient client, PurchaseListQuery query)
        {
            PurchaseListPage<UnconfirmedPurchaseItem> page = Await(client.GetUnconfirmedPurchasesPageAsync(query, RequestLog, CancellationToken));
            foreach (UnconfirmedPurchaseItem item in page.Items) WriteObject(OutputMapper.ToUnconfirmed(item, client));
            return page.ContinuationKey;
        }
    }
}
