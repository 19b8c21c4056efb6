using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The base of the cmdlets that read listings (getVoidedPurchases, getUnconfirmedPurchases): they drain the engine's
    /// pager (<see cref="PurchasePager{T}"/>), which follows continuationKey page by page off the pipeline thread, at most
    /// two pages ahead, and refuses a listing that would never end.
    /// </summary>
    public abstract class OneStoreListingCmdletBase : OneStoreConnectedCmdletBase
    {
        internal abstract string ActivityName { get; }

        /// <summary>
        /// Checks a window against the spec's rules (<see cref="ListWindow"/>) by the server's clock; a window the API
        /// would refuse stops the command with a message that states the rule. The window is sent as given (an end
        /// within a minute ahead of the server's clock, as a Date header of whole seconds can tell it, is not refused).
        /// </summary>
        internal void CheckWindow(OneStoreClient client, PurchaseListQuery query)
        {
            DateTimeOffset now = client.ServerClock.UtcNow;
            string? broken = ListWindow.Check(query.StartTimeMillis, query.EndTimeMillis, now, !string.IsNullOrEmpty(query.ContinuationKey));
            if (broken != null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(broken), OneStoreErrorCodes.InvalidTimeRange,
                    ErrorCategory.InvalidArgument, null));
            }
        }

        /// <summary>
        /// Drains one listing, handing each row to <paramref name="each"/> on the pipeline thread. The first row is
        /// handed over before any other page is asked for, so Select-Object -First 1 costs one request. A failed page
        /// stops the command with an error that says where to resume (<see cref="OneStoreApiException.ResumeFrom"/>).
        /// </summary>
        internal void Drain(PurchasePager<object> opened, Action<object> each)
        {
            int pageCount = 0;
            long rows = 0;
            // A new record each time: hosts may keep the records they are given.
            ProgressRecord Progress(ProgressRecordType type) =>
                new ProgressRecord(1, ActivityName, $"{pageCount} page(s), {rows} purchase(s)") { RecordType = type };
            PurchasePager<object> pager = opened;
            try
            {
                // Disposed when this command ends early (Select-Object -First, an error, Ctrl+C) with a page in flight.
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
                    WriteVerbose($"{ActivityName}: page {page.Page}, {page.Items.Count} row(s)" +
                                 (page.NextContinuationKey != null ? "; more to come." : "; the last page."));
                    if (ProgressDue()) WriteProgress(Progress(ProgressRecordType.Processing));
                    foreach (object item in page.Items)
                    {
                        each(item);
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
                // error carries (ResumeFrom), names as its target and states in its message.
                if (IsStopping(e)) throw new PipelineStoppedException();
                FlushRequestLog();
                ListingPosition? resume = (e as OneStoreApiException)?.ResumeFrom;
                ErrorRecord record = CreateErrorRecord(e, resume?.ContinuationKey);
                if (resume != null) record.ErrorDetails = new ErrorDetails(e.Message + " " + DescribeResume(resume));
                ThrowTerminatingError(record);
            }
            finally
            {
                pager.Dispose();
                if (ProgressShown)
                {
                    try { WriteProgress(Progress(ProgressRecordType.Completed)); } catch (PipelineStoppedException) { }
                }
            }
        }

        /// <summary>How to resume a listing from <paramref name="resume"/>, as parameters to copy.</summary>
        internal string DescribeResume(ListingPosition resume)
        {
            var text = new System.Text.StringBuilder("To resume the listing where it stopped, run it again with");
            if (resume.StartTimeMillis.HasValue) text.Append(" -StartTime '").Append(ListWindow.Format(resume.StartTimeMillis.Value)).Append('\'');
            if (resume.EndTimeMillis.HasValue) text.Append(" -EndTime '").Append(ListWindow.Format(resume.EndTimeMillis.Value)).Append('\'');
            if (resume.MaxResults.HasValue) text.Append(" -PageSize ").Append(resume.MaxResults.Value);
            if (resume.ContinuationKey != null) text.Append(" -ContinuationKey '").Append(resume.ContinuationKey).Append('\'');
            else text.Append(" the same window (it failed on its first page)");
            return text.Append(" (the error's Exception.ResumeFrom has them).").ToString();
        }
    }
}
