using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Web;
using Xunit;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>The listing pager against a server that pages well, loops, never ends, or fails part-way.</summary>
    public class PagerTests
    {
        /// <summary>A server whose page for each key (null: the first) is given by <paramref name="pages"/>: rows and the next key.</summary>
        private static OneStoreClient Paging(Func<string?, (int Rows, string? Next)> pages, out TestHandler handler, int maxRetries = 0)
        {
            handler = new TestHandler
            {
                Api = r =>
                {
                    string? key = HttpUtility.ParseQueryString(r.Uri.Query)["continuationKey"];
                    var (rows, next) = pages(key);
                    string list = string.Join(",", Enumerable.Range(0, rows).Select(i => $"{{\"purchaseId\":\"{key}-{i}\",\"purchaseToken\":\"{key}-{i}\"}}"));
                    string lead = next == null ? "" : $"\"continuationKey\":\"{next}\",";
                    return Task.FromResult(TestHandler.Json(200, $"{{{lead}\"voidedPurchaseList\":[{list}]}}"));
                },
            };
            return TestClient.Create(handler, maxRetries: maxRetries);
        }

        /// <summary>Drains a pager as a list cmdlet does; the error that ended it, if any.</summary>
        private static (List<PurchasePage<VoidedPurchaseItem>> Pages, Exception? Failure) Drain(PurchasePager<VoidedPurchaseItem> pager)
        {
            var pages = new List<PurchasePage<VoidedPurchaseItem>>();
            try
            {
                while (true)
                {
                    PurchasePage<VoidedPurchaseItem>? page;
                    while (!pager.TryTake(5000, out page)) { }
                    if (page == null) return (pages, null);
                    pages.Add(page);
                    if (page.Items.Count > 0) pager.FirstItemConsumed();
                }
            }
            catch (Exception e)
            {
                return (pages, e);
            }
        }

        private static PurchasePager<VoidedPurchaseItem> List(OneStoreClient client, PurchaseListQuery query) =>
            client.ListVoidedPurchases(query, item => item);

        [Fact]
        public void FollowsEveryPageInOrderWithTheWindowOnEachRequest()
        {
            using var client = Paging(k => k switch { null => (2, "B"), "B" => (2, "C"), "C" => (1, null), _ => throw new InvalidOperationException(k) }, out var handler);
            using var pager = List(client, new PurchaseListQuery { StartTimeMillis = 100, EndTimeMillis = 200, MaxResults = 2 });

            var (pages, failure) = Drain(pager);

            Assert.Null(failure);
            Assert.Equal(new[] { 1, 2, 3 }, pages.Select(p => p.Page));
            Assert.Equal(new string?[] { null, "B", "C" }, pages.Select(p => p.ContinuationKey));
            Assert.Equal(new string?[] { "B", "C", null }, pages.Select(p => p.NextContinuationKey));
            Assert.Equal(5, pages.Sum(p => p.Items.Count));
            Assert.Equal(3, handler.ApiRequests.Length);
            Assert.All(handler.ApiRequests, r => Assert.Contains("startTime=100&endTime=200&maxResults=2", r.Uri.Query));
        }

        [Fact]
        public void StartsFromTheGivenContinuationKey()
        {
            using var client = Paging(k => k switch { "C" => (1, "D"), "D" => (1, null), _ => throw new InvalidOperationException(k ?? "first page") }, out var handler);
            using var pager = List(client, new PurchaseListQuery { ContinuationKey = "C", StartTimeMillis = 100 });

            var (pages, failure) = Drain(pager);

            Assert.Null(failure);
            Assert.Equal(new[] { "C-0", "D-0" }, pages.SelectMany(p => p.Items).Select(i => i.PurchaseToken));
            Assert.Contains("continuationKey=C&startTime=100", handler.ApiRequests[0].Uri.Query);
        }

        [Fact]
        public void TheSecondPageIsNotAskedForBeforeTheFirstObjectIsConsumed()
        {
            using var client = Paging(k => k == null ? (3, "B") : (1, null), out var handler);
            using var pager = List(client, new PurchaseListQuery());

            PurchasePage<VoidedPurchaseItem>? first;
            while (!pager.TryTake(5000, out first)) { }
            Assert.NotNull(first);
            // The test server answers at once: a fetcher that did not wait would have asked by now, more often than not.
            Assert.Single(handler.ApiRequests);

            pager.FirstItemConsumed();
            PurchasePage<VoidedPurchaseItem>? second;
            while (!pager.TryTake(5000, out second)) { }
            Assert.Equal("B", second!.ContinuationKey);
            Assert.Equal(2, handler.ApiRequests.Length);
        }

        [Theory]
        [InlineData("A", "page 3 of voided purchases gave the continuationKey 'A' that page 1 gave")]
        [InlineData("B", "page 3 of voided purchases gave the continuationKey 'B' that page 2 gave")]
        public void RefusesAKeyThatAnyEarlierPageGave(string back, string message)
        {
            // A -> B -> back: the old check (the previous key only) followed A -> B -> A forever.
            using var client = Paging(k => k switch { null => (1, "A"), "A" => (1, "B"), "B" => (1, back), _ => (1, "X") }, out var handler);
            using var pager = List(client, new PurchaseListQuery());

            var (pages, failure) = Drain(pager);

            var e = Assert.IsType<OneStoreApiException>(failure);
            Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
            Assert.Equal(OneStoreErrorKind.Protocol, e.Kind);
            Assert.Contains(message, e.Message);
            Assert.Null(e.ResumeFrom);
            Assert.Equal(3, pages.Count);
            Assert.Equal(3, handler.ApiRequests.Length);
        }

        [Fact]
        public void RefusesAPageThatGivesBackTheStartingKey()
        {
            using var client = Paging(k => (1, "S"), out var handler);
            using var pager = List(client, new PurchaseListQuery { ContinuationKey = "S" });

            var (pages, failure) = Drain(pager);

            var e = Assert.IsType<OneStoreApiException>(failure);
            Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
            Assert.Contains("page 1 of voided purchases gave the continuationKey 'S' that the listing started from", e.Message);
            Assert.Single(pages);
            Assert.Single(handler.ApiRequests);
        }

        [Fact]
        public void RefusesARunOfEmptyPagesWithNewKeys()
        {
            int n = 0;
            using var client = Paging(k => (0, "K" + Interlocked.Increment(ref n)), out var handler);
            using var pager = List(client, new PurchaseListQuery());

            var (pages, failure) = Drain(pager);

            var e = Assert.IsType<OneStoreApiException>(failure);
            Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
            int limit = PurchasePager<VoidedPurchaseItem>.MaxEmptyPagesInARow;
            Assert.Contains($"pages 1 to {limit + 1} of voided purchases were all empty", e.Message);
            Assert.Equal(limit + 1, pages.Count);
            Assert.Equal(limit + 1, handler.ApiRequests.Length);
        }

        [Fact]
        public void EmptyPagesBetweenFullOnesAreFollowed()
        {
            int limit = PurchasePager<VoidedPurchaseItem>.MaxEmptyPagesInARow;
            // limit empty pages, one row, limit empty pages, the end: never more than the limit in a row.
            using var client = Paging(k =>
            {
                int i = k == null ? 0 : int.Parse(k.Substring(1));
                int last = 2 * limit + 1;
                return (i == limit ? 1 : 0, i == last ? null : "P" + (i + 1));
            }, out var handler);
            using var pager = List(client, new PurchaseListQuery());

            var (pages, failure) = Drain(pager);

            Assert.Null(failure);
            Assert.Equal(2 * limit + 2, pages.Count);
            Assert.Equal(1, pages.Sum(p => p.Items.Count));
        }

        [Fact]
        public void AFailedPageSaysWhereToResumeAndResumingThereLosesNothing()
        {
            bool down = true;
            using var client = Paging(k => k switch { null => (2, "B"), "B" => (2, "C"), "C" => (2, null), _ => throw new InvalidOperationException() }, out var handler);
            var pages = handler.Api!;
            handler.Api = r => down && r.Uri.Query.Contains("continuationKey=C") ? Task.FromResult(TestHandler.Error(503, "ServiceMaintenance")) : pages(r);
            var seen = new List<string>();

            OneStoreApiException e;
            using (var pager = List(client, new PurchaseListQuery { StartTimeMillis = 7, EndTimeMillis = 9, MaxResults = 2 }))
            {
                var (got, failure) = Drain(pager);
                seen.AddRange(got.SelectMany(p => p.Items).Select(i => i.PurchaseToken!));
                e = Assert.IsType<OneStoreApiException>(failure);
            }
            Assert.Equal(OneStoreErrorCodes.ServiceMaintenance, e.Code);
            Assert.NotNull(e.ResumeFrom);
            Assert.Equal("C", e.ResumeFrom!.ContinuationKey);
            Assert.Equal(3, e.ResumeFrom.Page);
            Assert.Equal(7, e.ResumeFrom.StartTimeMillis);
            Assert.Equal(9, e.ResumeFrom.EndTimeMillis);
            Assert.Equal(2, e.ResumeFrom.MaxResults);

            down = false;
            using (var resumed = List(client, e.ResumeFrom.ToQuery()))
            {
                var (got, failure) = Drain(resumed);
                Assert.Null(failure);
                seen.AddRange(got.SelectMany(p => p.Items).Select(i => i.PurchaseToken!));
            }
            Assert.Equal(new[] { "-0", "-1", "B-0", "B-1", "C-0", "C-1" }, seen);
        }

        [Fact]
        public void AnUnreadablePageSaysToResumeFromTheKeyThatFetchedIt()
        {
            using var client = Paging(k => (1, "B"), out var handler);
            var pages = handler.Api!;
            handler.Api = r => r.Uri.Query.Contains("continuationKey=B") ? Task.FromResult(TestHandler.Json(200, "{\"voidedPurchaseList\":[{\"purchaseTime\":\"x\"}]}")) : pages(r);
            using var pager = List(client, new PurchaseListQuery());

            var (got, failure) = Drain(pager);

            var e = Assert.IsType<OneStoreApiException>(failure);
            Assert.Equal(OneStoreErrorCodes.ProtocolError, e.Code);
            Assert.Equal("B", e.ResumeFrom!.ContinuationKey);
            Assert.Equal(2, e.ResumeFrom.Page);
            Assert.Single(got);
        }

        [Fact]
        public void AnInvalidWindowIsRefusedBeforeAnyRequest()
        {
            using var client = Paging(k => (1, null), out var handler);
            var e = Assert.Throws<OneStoreApiException>(() => List(client, new PurchaseListQuery { StartTimeMillis = 10, EndTimeMillis = 5 }));
            Assert.Equal(OneStoreErrorCodes.InvalidTimeRange, e.Code);
            Assert.Empty(handler.Requests);
        }
    }
}
