// The benchmark's ceiling: what plain HttpClient does against the emulator on this machine.
//
//   RawClient lookup --base-uri URI --client-id ID --token TOKEN --input FILE.csv --concurrency N [--warmup N] [--warmup-ms MS] [--market MKT_ONE]
//   RawClient voided --base-uri URI --client-id ID --token TOKEN [--page-size 100] [--warmup-pages N] [--warmup-ms MS] [--market MKT_ONE]
//
// lookup: getPurchaseDetails for every row of a CSV (ProductId,PurchaseToken), N requests in flight at a time.
// voided: getVoidedPurchases, following continuationKey to the end, each page parsed with System.Text.Json.
// Prints one JSON object on stdout; exits 2 on bad arguments, 1 on a failed run.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Bench.RawClient;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        using var client = CreateClient(options);
        try
        {
            return options.Mode switch
            {
                "lookup" => await LookupAsync(client, options),
                "voided" => await VoidedAsync(client, options),
                _ => throw new ArgumentException($"Unknown mode '{options.Mode}'."),
            };
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or ArgumentException)
        {
            Console.Error.WriteLine(e.ToString());
            return 1;
        }
    }

    private static HttpClient CreateClient(Options options)
    {
        // One pooled handler for the whole run: keep-alive, as many connections as requests in flight.
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = int.MaxValue,
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(options.BaseUri.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        client.DefaultRequestHeaders.Add("x-market-code", options.Market);
        return client;
    }

    private static HttpRequestMessage NewGet(string relativeUri)
    {
        // The spec asks for Content-Type: application/json on every call, GETs included;
        // HttpClient only sends a content header with (empty) content.
        var content = new ByteArrayContent(Array.Empty<byte>());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Get, relativeUri) { Content = content };
    }

    private static async Task<int> LookupAsync(HttpClient client, Options options)
    {
        var items = ReadItems(options.Input ?? throw new ArgumentException("--input is required."));
        var prefix = $"v7/apps/{Uri.EscapeDataString(options.ClientId)}/purchases/inapp/products/";
        var uris = new string[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            uris[i] = prefix + Uri.EscapeDataString(items[i].ProductId) + "/" + Uri.EscapeDataString(items[i].PurchaseToken);
        }

        // Warm-up, not timed: the first rows, again and again for at least --warmup-ms and until the JIT has settled
        // (WarmUp), so that the timed part runs the same steady-state code in every contender.
        var warmup = Math.Min(options.Warmup, uris.Length);
        var warmupRequests = 0;
        if (warmup > 0)
        {
            await WarmUp(async () =>
            {
                await RunLookupsAsync(client, uris.AsMemory(0, warmup), options.Concurrency);
                warmupRequests += warmup;
            }, options.WarmupMs);
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var result = await RunLookupsAsync(client, uris, options.Concurrency);
        stopwatch.Stop();
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;

        WriteJson(w =>
        {
            w.WriteString("mode", "lookup");
            w.WriteNumber("concurrency", options.Concurrency);
            w.WriteNumber("count", result.Ok);
            w.WriteNumber("errors", result.Errors);
            w.WriteNumber("elapsedMs", stopwatch.Elapsed.TotalMilliseconds);
            w.WriteNumber("requestsPerSecond", (result.Ok + result.Errors) / stopwatch.Elapsed.TotalSeconds);
            w.WriteNumber("cpuMs", cpuMs);
            w.WriteNumber("warmupRequests", warmupRequests);
            if (result.FirstError is not null)
            {
                w.WriteString("firstError", result.FirstError);
            }
        });
        return result.Errors == 0 ? 0 : 1;
    }

    private sealed class LookupResult
    {
        public int Ok;
        public int Errors;
        public string? FirstError;
    }

    private static async Task<LookupResult> RunLookupsAsync(HttpClient client, ReadOnlyMemory<string> uris, int concurrency)
    {
        // N workers take the next index until the list is done: exactly N requests in flight, no more.
        var result = new LookupResult();
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < uris.Length)
            {
                using var request = NewGet(uris.Span[i]);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var purchase = await JsonSerializer.DeserializeAsync(stream, RawJsonContext.Default.InAppPurchase).ConfigureAwait(false);
                    if (purchase is not null && purchase.PurchaseId is not null)
                    {
                        Interlocked.Increment(ref result.Ok);
                        continue;
                    }
                }

                using var reader = new StreamReader(stream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync().ConfigureAwait(false);
                Interlocked.Increment(ref result.Errors);
                Interlocked.CompareExchange(ref result.FirstError, $"{(int)response.StatusCode} {uris.Span[i]}: {Truncate(body, 300)}", null);
            }
        }

        var workers = new Task[Math.Max(1, concurrency)];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(Worker);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        return result;
    }

    private static async Task<int> VoidedAsync(HttpClient client, Options options)
    {
        var basePath = $"v7/apps/{Uri.EscapeDataString(options.ClientId)}/voided-purchases?maxResults={options.PageSize}";

        // Warm-up, not timed: a few pages, then whole passes for --warmup-ms after the first.
        if (options.WarmupPages > 0)
        {
            await PageAsync(client, basePath, options.WarmupPages, null);
        }

        // The first whole pass is timed on its own (what a one-off run in a fresh process sees).
        var firstPass = Stopwatch.StartNew();
        await PageAsync(client, basePath, int.MaxValue, null);
        var firstPassMs = firstPass.Elapsed.TotalMilliseconds;

        var warmupPasses = 1;
        await WarmUp(async () =>
        {
            await PageAsync(client, basePath, int.MaxValue, null);
            warmupPasses++;
        }, options.WarmupMs);

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var firstObjectMs = -1.0;
        var (count, pages) = await PageAsync(client, basePath, int.MaxValue, () =>
        {
            if (firstObjectMs < 0)
            {
                firstObjectMs = stopwatch.Elapsed.TotalMilliseconds;
            }
        });
        stopwatch.Stop();
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;

        WriteJson(w =>
        {
            w.WriteString("mode", "voided");
            w.WriteNumber("pageSize", options.PageSize);
            w.WriteNumber("count", count);
            w.WriteNumber("pages", pages);
            w.WriteNumber("warmupPasses", warmupPasses);
            w.WriteNumber("firstPassMs", firstPassMs);
            w.WriteNumber("firstObjectMs", firstObjectMs);
            w.WriteNumber("elapsedMs", stopwatch.Elapsed.TotalMilliseconds);
            w.WriteNumber("objectsPerSecond", count / stopwatch.Elapsed.TotalSeconds);
            w.WriteNumber("cpuMs", cpuMs);
        });
        return 0;
    }

    private static async Task<(long Count, int Pages)> PageAsync(HttpClient client, string basePath, int maxPages, Action? onFirstPage)
    {
        long count = 0;
        var pages = 0;
        string? continuationKey = null;
        do
        {
            var uri = continuationKey is null ? basePath : basePath + "&continuationKey=" + Uri.EscapeDataString(continuationKey);
            using var request = NewGet(uri);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                throw new HttpRequestException($"{(int)response.StatusCode} {uri}: {Truncate(await reader.ReadToEndAsync(), 300)}");
            }

            var page = await JsonSerializer.DeserializeAsync(stream, RawJsonContext.Default.VoidedPage).ConfigureAwait(false)
                ?? throw new JsonException("Empty page.");
            pages++;
            if (page.VoidedPurchaseList is { Count: > 0 } list)
            {
                count += list.Count;
                onFirstPage?.Invoke();
            }

            continuationKey = string.IsNullOrEmpty(page.ContinuationKey) ? null : page.ContinuationKey;
        }
        while (continuationKey is not null && pages < maxPages);
        return (count, pages);
    }

    /// <summary>
    /// The benchmark's warm-up rule, the same as tests/bench/WarmUp.ps1's Invoke-WarmUp: run rounds for at least
    /// <paramref name="minimumMs"/>, then until the JIT has been quiet (fewer than 5 methods compiled over the last 3
    /// rounds and the last second at least; tiering has settled), or 40 s in all.
    /// </summary>
    private static async Task WarmUp(Func<Task> round, int minimumMs)
    {
        var clock = Stopwatch.StartNew();
        // After each round: when it ended and how many methods the JIT had compiled by then.
        var ends = new List<long>();
        var counts = new List<long>();
        while (clock.ElapsedMilliseconds < 40000)
        {
            await round();
            ends.Add(clock.ElapsedMilliseconds);
            counts.Add(JitInfo.GetCompiledMethodCount());
            if (clock.ElapsedMilliseconds < minimumMs)
            {
                continue;
            }

            // The latest round that ended at least 3 rounds and 1 s ago: the quiet window starts there.
            var last = ends.Count - 1;
            for (var k = last - 3; k >= 0; k--)
            {
                if (ends[last] - ends[k] >= 1000)
                {
                    if (counts[last] - counts[k] < 5)
                    {
                        return;
                    }

                    break;
                }
            }
        }
    }

    private static List<(string ProductId, string PurchaseToken)> ReadItems(string path)
    {
        // The same CSV the PowerShell contenders read: a ProductId,PurchaseToken header, then one row per purchase.
        var items = new List<(string, string)>();
        using var reader = new StreamReader(path, Encoding.UTF8);
        var header = SplitCsv(reader.ReadLine() ?? throw new ArgumentException($"{path} is empty."));
        var productColumn = Array.FindIndex(header, h => h.Equals("ProductId", StringComparison.OrdinalIgnoreCase));
        var tokenColumn = Array.FindIndex(header, h => h.Equals("PurchaseToken", StringComparison.OrdinalIgnoreCase));
        if (productColumn < 0 || tokenColumn < 0)
        {
            throw new ArgumentException($"{path} needs ProductId and PurchaseToken columns.");
        }

        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var cells = SplitCsv(line);
            items.Add((cells[productColumn], cells[tokenColumn]));
        }

        return items;
    }

    private static string[] SplitCsv(string line)
    {
        // Enough CSV for our own files: no commas or quotes inside values.
        var cells = line.Split(',');
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = cells[i].Trim().Trim('"');
        }

        return cells;
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "...";

    private static void WriteJson(Action<Utf8JsonWriter> body)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        stdout.Write("\n"u8);
    }
}

internal sealed class Options
{
    public string Mode { get; private set; } = "";
    public string BaseUri { get; private set; } = "";
    public string ClientId { get; private set; } = "";
    public string Token { get; private set; } = "";
    public string Market { get; private set; } = "MKT_ONE";
    public string? Input { get; private set; }
    public int Concurrency { get; private set; } = 1;
    public int Warmup { get; private set; }
    public int PageSize { get; private set; } = 100;
    public int WarmupPages { get; private set; }
    public int WarmupMs { get; private set; }

    public static Options Parse(string[] args)
    {
        if (args.Length == 0)
        {
            throw new ArgumentException("usage: RawClient lookup|voided --base-uri URI --client-id ID --token TOKEN [options]");
        }

        var options = new Options { Mode = args[0] };
        for (var i = 1; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{args[i]} needs a value.");
            }

            var value = args[i + 1];
            switch (args[i])
            {
                case "--base-uri": options.BaseUri = value; break;
                case "--client-id": options.ClientId = value; break;
                case "--token": options.Token = value; break;
                case "--market": options.Market = value; break;
                case "--input": options.Input = value; break;
                case "--concurrency": options.Concurrency = int.Parse(value); break;
                case "--warmup": options.Warmup = int.Parse(value); break;
                case "--page-size": options.PageSize = int.Parse(value); break;
                case "--warmup-pages": options.WarmupPages = int.Parse(value); break;
                case "--warmup-ms": options.WarmupMs = int.Parse(value); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        if (options.BaseUri.Length == 0 || options.ClientId.Length == 0 || options.Token.Length == 0)
        {
            throw new ArgumentException("--base-uri, --client-id and --token are required.");
        }

        return options;
    }
}

// The reply shapes, parsed as a client would: typed, every field the spec lists.
internal sealed class InAppPurchase
{
    [JsonPropertyName("consumptionState")] public int? ConsumptionState { get; set; }
    [JsonPropertyName("developerPayload")] public string? DeveloperPayload { get; set; }
    [JsonPropertyName("purchaseState")] public int? PurchaseState { get; set; }
    [JsonPropertyName("purchaseTime")] public long? PurchaseTime { get; set; }
    [JsonPropertyName("purchaseId")] public string? PurchaseId { get; set; }
    [JsonPropertyName("acknowledgeState")] public int? AcknowledgeState { get; set; }
    [JsonPropertyName("quantity")] public int? Quantity { get; set; }
}

internal sealed class VoidedPurchase
{
    [JsonPropertyName("purchaseId")] public string? PurchaseId { get; set; }
    [JsonPropertyName("purchaseTime")] public long? PurchaseTime { get; set; }
    [JsonPropertyName("voidedTime")] public long? VoidedTime { get; set; }
    [JsonPropertyName("purchaseToken")] public string? PurchaseToken { get; set; }
    [JsonPropertyName("marketCode")] public string? MarketCode { get; set; }
}

internal sealed class VoidedPage
{
    [JsonPropertyName("continuationKey")] public string? ContinuationKey { get; set; }
    [JsonPropertyName("voidedPurchaseList")] public List<VoidedPurchase>? VoidedPurchaseList { get; set; }
}

[JsonSerializable(typeof(InAppPurchase))]
[JsonSerializable(typeof(VoidedPage))]
internal sealed partial class RawJsonContext : JsonSerializerContext
{
}
