using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>A notification fault: what happens to the next notification(s) the emulator would send.</summary>
    internal enum NotificationFaultKind
    {
        /// <summary>Never sent (ONE store does not guarantee delivery).</summary>
        Drop,
        /// <summary>Sent twice.</summary>
        Duplicate,
        /// <summary>Sent after a delay (the sender waits; the notifications after it wait too).</summary>
        Delay,
        /// <summary>Sent after the next notification (or when the queue is asked to settle).</summary>
        Reorder,
    }

    internal sealed class NotificationFault
    {
        public long Id;
        public NotificationFaultKind Kind;
        public long Remaining = 1; // -1: every notification
        public int DelayMs;
        public string? PurchaseState; // COMPLETED / CANCELED; null: both
    }

    /// <summary>One notification and what became of it.</summary>
    internal sealed class Delivery
    {
        public long Id;
        public string ClientId = "";
        public string PurchaseId = "";
        public string PurchaseToken = "";
        public string PurchaseState = "";
        public string Uri = "";
        public string? Body; // signed lazily, off the routes' path
        public Purchase Snapshot = null!;
        public long CreatedMillis;
        public bool Duplicate;
        public int DelayMs;
        public string State = "Pending"; // Pending, Delivered, Failed, Dropped
        public readonly List<int> Statuses = new(); // HTTP status of each attempt; 0 = no reply (connection failed, timed out)
    }

    /// <summary>
    /// PNS (notes.md, "PNS"): when a purchase completes or is cancelled, a signed message 3.1.0 (3.1.0D in sandbox mode)
    /// is POSTed to the app's notification URI. Messages are queued by the routes (never sent from them: a route only
    /// enqueues) and sent one at a time, in order, by a background sender that exists only while there is work. A reply
    /// other than 200 is retried with exponential backoff.
    /// </summary>
    internal sealed class NotificationSender
    {
        private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };

        private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        private readonly object gate = new();
        private readonly Queue<Delivery> queue = new();
        private readonly List<Delivery> all = new();
        private readonly List<NotificationFault> faults = new();
        private readonly AppKeys keys;
        private readonly VirtualClock clock;
        private readonly bool sandbox;
        private Delivery? held;
        private bool running;
        private long nextId;
        private long nextFaultId;
        private TaskCompletionSource idle = NewIdle(true);

        public NotificationSender(AppKeys keys, VirtualClock clock, bool sandbox)
        {
            this.keys = keys;
            this.clock = clock;
            this.sandbox = sandbox;
        }

        /// <summary>How many times a reply other than 200 is retried.</summary>
        public int Retries { get; set; } = 3;

        /// <summary>The first retry's delay; each next one doubles.</summary>
        public int RetryDelayMs { get; set; } = 200;

        private const int Kept = 10_000;

        private static TaskCompletionSource NewIdle(bool done)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (done) tcs.SetResult();
            return tcs;
        }

        /// <summary>Queues the message of <paramref name="p"/> (a copy) for <paramref name="uri"/>. Cheap: callable under the state lock.</summary>
        public void Enqueue(Purchase p, string uri, bool completed)
        {
            var state = completed ? "COMPLETED" : "CANCELED";
            var delivery = new Delivery
            {
                ClientId = p.ClientId,
                PurchaseId = p.PurchaseId,
                PurchaseToken = p.PurchaseToken,
                PurchaseState = state,
                Uri = uri,
                CreatedMillis = clock.NowMillis,
                // The purchase as of this moment; the message is built and signed by the sender, not by the route.
                Snapshot = p.Clone(),
            };
            lock (gate)
            {
                var fault = TakeFault(state);
                delivery.Id = ++nextId;
                Keep(delivery);
                switch (fault?.Kind)
                {
                    case NotificationFaultKind.Drop:
                        delivery.State = "Dropped";
                        return;
                    case NotificationFaultKind.Delay:
                        delivery.DelayMs = fault.DelayMs;
                        break;
                    case NotificationFaultKind.Reorder:
                        Release();
                        held = delivery;
                        MarkBusy();
                        return;
                }
                queue.Enqueue(delivery);
                if (fault?.Kind == NotificationFaultKind.Duplicate)
                {
                    var copy = new Delivery
                    {
                        Id = ++nextId, ClientId = delivery.ClientId, PurchaseId = delivery.PurchaseId, PurchaseToken = delivery.PurchaseToken,
                        PurchaseState = state, Uri = uri, Snapshot = delivery.Snapshot, CreatedMillis = delivery.CreatedMillis, Duplicate = true,
                    };
                    Keep(copy);
                    queue.Enqueue(copy);
                }
                Release();
                MarkBusy();
                if (!running)
                {
                    running = true;
                    _ = Task.Run(RunAsync);
                }
            }
        }

        private void Keep(Delivery d)
        {
            all.Add(d);
            if (all.Count > Kept) all.RemoveRange(0, all.Count - Kept);
        }

        // A held (reordered) message goes out right after the one queued after it.
        private void Release()
        {
            if (held == null) return;
            queue.Enqueue(held);
            held = null;
        }

        private void MarkBusy()
        {
            if (idle.Task.IsCompleted) idle = NewIdle(false);
        }

        private NotificationFault? TakeFault(string state)
        {
            foreach (var f in faults)
            {
                if (f.PurchaseState != null && f.PurchaseState != state) continue;
                if (f.Remaining == 0) continue;
                if (f.Remaining > 0) f.Remaining--;
                return f;
            }
            return null;
        }

        private async Task RunAsync()
        {
            while (true)
            {
                Delivery d;
                lock (gate)
                {
                    if (queue.Count == 0)
                    {
                        running = false;
                        if (held == null) idle.TrySetResult();
                        return;
                    }
                    d = queue.Dequeue();
                }
                if (d.DelayMs > 0) await Task.Delay(d.DelayMs).ConfigureAwait(false);
                BodyOf(d);
                await SendAsync(d).ConfigureAwait(false);
            }
        }

        private async Task SendAsync(Delivery d)
        {
            for (var attempt = 0; ; attempt++)
            {
                int status;
                try
                {
                    using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(d.Body!));
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    using var response = await Http.PostAsync(d.Uri, content).ConfigureAwait(false);
                    status = (int)response.StatusCode;
                }
                catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException || e is IOException || e is InvalidOperationException)
                {
                    status = 0;
                }
                lock (gate)
                {
                    d.Statuses.Add(status);
                    if (status == 200)
                    {
                        d.State = "Delivered";
                        return;
                    }
                    if (attempt >= Retries)
                    {
                        d.State = "Failed";
                        return;
                    }
                }
                await Task.Delay(RetryDelayMs * (1 << Math.Min(attempt, 10))).ConfigureAwait(false);
            }
        }

        /// <summary>Waits until nothing is queued, held or being sent (a held message is released first); false on timeout.</summary>
        public bool WaitIdle(TimeSpan timeout)
        {
            Task wait;
            lock (gate)
            {
                if (held != null)
                {
                    Release();
                    if (!running)
                    {
                        running = true;
                        _ = Task.Run(RunAsync);
                    }
                }
                wait = idle.Task;
            }
            return wait.Wait(timeout);
        }

        public long AddFault(NotificationFault fault)
        {
            lock (gate)
            {
                fault.Id = ++nextFaultId;
                faults.Add(fault);
                return fault.Id;
            }
        }

        public void ClearFaults()
        {
            lock (gate) faults.Clear();
        }

        public List<NotificationFault> Faults()
        {
            lock (gate) return new List<NotificationFault>(faults);
        }

        /// <summary>Forgets the deliveries listed so far (a reset); messages in flight still finish.</summary>
        public void Clear()
        {
            lock (gate)
            {
                all.Clear();
                faults.Clear();
            }
        }

        public void WriteDeliveries(Utf8JsonWriter w)
        {
            lock (gate)
            {
                w.WriteStartArray("notifications");
                foreach (var d in all)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", d.Id);
                    w.WriteString("clientId", d.ClientId);
                    w.WriteString("purchaseId", d.PurchaseId);
                    w.WriteString("purchaseToken", d.PurchaseToken);
                    w.WriteString("purchaseState", d.PurchaseState);
                    w.WriteString("uri", d.Uri);
                    w.WriteString("state", d.State);
                    w.WriteBoolean("duplicate", d.Duplicate);
                    w.WriteNumber("createdMillis", d.CreatedMillis);
                    w.WriteNumber("attempts", d.Statuses.Count);
                    w.WriteStartArray("statuses");
                    foreach (var s in d.Statuses) w.WriteNumberValue(s);
                    w.WriteEndArray();
                    w.WriteString("body", BodyOf(d));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
        }

        private string BodyOf(Delivery d)
        {
            var body = d.Body;
            if (body != null) return body;
            body = Message(d.Snapshot, d.PurchaseState);
            Interlocked.CompareExchange(ref d.Body, body, null);
            return d.Body!;
        }

        /// <summary>
        /// The PNS message 3.1.0 of a purchase (notes.md, "PNS"), signed: SHA512withRSA over the compact JSON of every
        /// other member, in this order, non-ASCII as UTF-8 (the rule third-party code observed), then the signature as
        /// the last member.
        /// </summary>
        internal string Message(Purchase p, string purchaseState)
        {
            var global = p.MarketCode == Markets.Global;
            var price = p.PriceAmount ?? (global ? "0.99" : "1100");
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream, WriterOptions))
            {
                w.WriteStartObject();
                w.WriteString("msgVersion", sandbox ? "3.1.0D" : "3.1.0");
                w.WriteString("clientId", p.ClientId);
                w.WriteString("productId", p.ProductId);
                w.WriteString("messageType", "SINGLE_PAYMENT_TRANSACTION");
                w.WriteString("purchaseId", p.PurchaseId);
                w.WriteString("developerPayload", p.DeveloperPayload ?? "");
                w.WriteNumber("purchaseTimeMillis", p.PurchaseTime);
                w.WriteString("purchaseState", purchaseState);
                w.WriteString("price", price);
                w.WriteString("priceCurrencyCode", p.PriceCurrencyCode ?? (global ? "USD" : "KRW"));
                w.WriteString("productName", p.ProductId);
                w.WriteStartArray("paymentTypeList");
                w.WriteStartObject();
                w.WriteString("paymentMethod", global ? "CREDIT_CARD" : "DCB");
                w.WriteString("amount", price);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteString("billingKey", "");
                w.WriteBoolean("isTestMdn", sandbox);
                w.WriteString("purchaseToken", p.PurchaseToken);
                w.WriteString("environment", sandbox ? "SANDBOX" : "COMMERCIAL");
                w.WriteString("marketCode", p.MarketCode);
                w.WriteEndObject();
            }
            var unsigned = stream.ToArray();
            var signature = keys.Sign(p.ClientId, unsigned);
            var text = Encoding.UTF8.GetString(unsigned);
            return text.Substring(0, text.Length - 1) + ",\"signature\":\"" + signature + "\"}";
        }
    }
}
