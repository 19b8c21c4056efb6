using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace OneStoreIap.Engine.Sync
{
    /// <summary>A purchase the sync emitted near its watermark, kept so that the next run's overlap does not emit it again.</summary>
    public readonly struct SeenPurchase
    {
        public SeenPurchase(string purchaseId, long voidedTimeMillis)
        {
            PurchaseId = purchaseId;
            VoidedTimeMillis = voidedTimeMillis;
        }

        public string PurchaseId { get; }
        public long VoidedTimeMillis { get; }
    }

    /// <summary>A state file that cannot be used: unreadable, of another format version, or of another app, market or environment.</summary>
    public sealed class SyncStateException : Exception
    {
        public SyncStateException(string code, string message, Exception? inner = null) : base(message, inner) => Code = code;

        /// <summary><c>SyncStateCorrupt</c>, <c>SyncStateMismatch</c> or <c>SyncStateLocked</c>.</summary>
        public string Code { get; }
    }

    /// <summary>
    /// The refund sync's state file: JSON, versioned and readable by people. It records whose voided purchases it
    /// follows (client id, market, environment), how far the completed runs have read (the watermark on voidedTime)
    /// and the purchase ids emitted in the overlap just before the watermark. It is replaced whole, atomically (a
    /// temporary file beside it, then a rename), and only when a run completed; a state file that cannot be read is
    /// never overwritten.
    /// </summary>
    public sealed class VoidedSyncState
    {
        public const int CurrentVersion = 1;
        internal const string Kind = "OneStoreIap.VoidedPurchaseSync";

        public VoidedSyncState(string clientId, string marketCode, string environment)
        {
            ClientId = clientId;
            MarketCode = marketCode;
            Environment = environment;
        }

        public string ClientId { get; }
        public string MarketCode { get; }
        public string Environment { get; }

        /// <summary>Everything voided at or before this time (epoch ms) has been emitted by a completed run; null before the first.</summary>
        public long? WatermarkMillis { get; set; }

        /// <summary>The overlap the last completed run used.</summary>
        public TimeSpan Overlap { get; set; }

        /// <summary>When the last completed run ended.</summary>
        public DateTimeOffset? LastRunCompleted { get; set; }

        /// <summary>How many purchases the completed runs have emitted in all.</summary>
        public long EmittedTotal { get; set; }

        /// <summary>Purchases emitted with a voidedTime in the overlap before the watermark.</summary>
        public List<SeenPurchase> Seen { get; } = new List<SeenPurchase>();

        /// <summary>The temporary file a write goes through before it is renamed over the state file.</summary>
        public static string TemporaryPath(string path) => path + ".new";

        /// <summary>Reads the state file; null when there is none. A file that is not a state of this format is an error that leaves it as it is.</summary>
        public static VoidedSyncState? Read(string path)
        {
            if (!File.Exists(path)) return null;
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new SyncStateException("SyncStateCorrupt", $"The sync state file '{path}' cannot be read: {e.Message}", e);
            }
            try
            {
                using JsonDocument document = JsonDocument.Parse(bytes);
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw Corrupt(path, "it is not a JSON object");
                if (String(root, "kind") != Kind) throw Corrupt(path, $"its \"kind\" is not \"{Kind}\"");
                if (!root.TryGetProperty("version", out JsonElement version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int v))
                    throw Corrupt(path, "it has no \"version\"");
                if (v != CurrentVersion)
                    throw new SyncStateException("SyncStateCorrupt", $"The sync state file '{path}' has version {v}; this module reads version {CurrentVersion}. It was left as it is.");
                string clientId = String(root, "clientId") ?? throw Corrupt(path, "it has no \"clientId\"");
                string market = String(root, "marketCode") ?? throw Corrupt(path, "it has no \"marketCode\"");
                string environment = String(root, "environment") ?? throw Corrupt(path, "it has no \"environment\"");
                var state = new VoidedSyncState(clientId, market, environment);
                if (root.TryGetProperty("watermarkMillis", out JsonElement watermark) && watermark.ValueKind != JsonValueKind.Null)
                {
                    if (watermark.ValueKind != JsonValueKind.Number || !watermark.TryGetInt64(out long w)) throw Corrupt(path, "its \"watermarkMillis\" is not a number");
                    state.WatermarkMillis = w;
                }
                if (root.TryGetProperty("overlapSeconds", out JsonElement overlap) && overlap.ValueKind == JsonValueKind.Number)
                    state.Overlap = TimeSpan.FromSeconds(overlap.GetDouble());
                if (root.TryGetProperty("emittedTotal", out JsonElement total) && total.ValueKind == JsonValueKind.Number)
                    state.EmittedTotal = total.GetInt64();
                if (String(root, "lastRunCompleted") is string last &&
                    DateTimeOffset.TryParse(last, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset lastValue))
                    state.LastRunCompleted = lastValue;
                if (root.TryGetProperty("seen", out JsonElement seen))
                {
                    if (seen.ValueKind != JsonValueKind.Array) throw Corrupt(path, "its \"seen\" is not a list");
                    foreach (JsonElement entry in seen.EnumerateArray())
                    {
                        string? id = entry.ValueKind == JsonValueKind.Object ? String(entry, "purchaseId") : null;
                        if (id == null || !entry.TryGetProperty("voidedTimeMillis", out JsonElement time) || !time.TryGetInt64(out long t))
                            throw Corrupt(path, "an entry of its \"seen\" list has no purchaseId or voidedTimeMillis");
                        state.Seen.Add(new SeenPurchase(id, t));
                    }
                }
                return state;
            }
            catch (JsonException e)
            {
                throw new SyncStateException("SyncStateCorrupt", $"The sync state file '{path}' is not valid JSON ({e.Message}). It was left as it is for inspection: fix it, move it away to start over, or use another -StatePath.", e);
            }
            catch (InvalidOperationException e)
            {
                throw new SyncStateException("SyncStateCorrupt", $"The sync state file '{path}' is not a sync state ({e.Message}). It was left as it is.", e);
            }
        }

        private static SyncStateException Corrupt(string path, string why) =>
            new SyncStateException("SyncStateCorrupt", $"The sync state file '{path}' is not a sync state: {why}. It was left as it is for inspection: fix it, move it away to start over, or use another -StatePath.");

        private static string? String(JsonElement element, string name) =>
            element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        /// <summary>The state as its file holds it: indented JSON, times both as epoch ms and readable.</summary>
        public byte[] ToJson()
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                w.WriteString("kind", Kind);
                w.WriteNumber("version", CurrentVersion);
                w.WriteString("clientId", ClientId);
                w.WriteString("marketCode", MarketCode);
                w.WriteString("environment", Environment);
                if (WatermarkMillis is long watermark)
                {
                    w.WriteNumber("watermarkMillis", watermark);
                    w.WriteString("watermark", ListWindow.Format(watermark));
                }
                else
                {
                    w.WriteNull("watermarkMillis");
                }
                w.WriteNumber("overlapSeconds", Overlap.TotalSeconds);
                w.WriteNumber("emittedTotal", EmittedTotal);
                if (LastRunCompleted is DateTimeOffset last) w.WriteString("lastRunCompleted", last.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture));
                w.WriteStartArray("seen");
                foreach (SeenPurchase seen in Seen)
                {
                    w.WriteStartObject();
                    w.WriteString("purchaseId", seen.PurchaseId);
                    w.WriteNumber("voidedTimeMillis", seen.VoidedTimeMillis);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            return buffer.ToArray();
        }

        /// <summary>
        /// Replaces the state file: the whole state goes to a temporary file beside it, flushed to disk, which is then
        /// renamed over the state file; a crash at any point leaves the old state file or the new one, whole.
        /// <paramref name="beforeRename"/> runs between the two (a test's crash point).
        /// </summary>
        public void WriteAtomically(string path, Action? beforeRename = null)
        {
            string temporary = TemporaryPath(path);
            byte[] json = ToJson();
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(json, 0, json.Length);
                stream.Flush(true);
            }
            beforeRename?.Invoke();
            if (File.Exists(path)) File.Replace(temporary, path, null);
            else File.Move(temporary, path);
        }

    }
}
