using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace OneStoreIap.Engine
{
    /// <summary>One payment method of a PNS message's <c>paymentTypeList</c>.</summary>
    public sealed class NotificationPaymentType
    {
        public string? PaymentMethod { get; set; }

        /// <summary>The amount as sent (a string or a number in the body), kept exact.</summary>
        public string? Amount { get; set; }

        public override string ToString() => PaymentMethod + " " + Amount;
    }

    /// <summary>
    /// A PNS payment notification (notes.md, "PNS"; message 3.1.0, and 3.0.0 whose <c>packageName</c> is 3.1.0's
    /// <c>clientId</c>), read from the body ONE store POSTs. Values are kept as sent: times in epoch milliseconds, the
    /// price as its text.
    /// </summary>
    public sealed class NotificationMessage
    {
        public string? MsgVersion { get; set; }
        public string? ClientId { get; set; }
        public string? ProductId { get; set; }
        public string? ProductName { get; set; }
        public string? MessageType { get; set; }
        public string? PurchaseId { get; set; }
        public string? PurchaseToken { get; set; }
        public string? DeveloperPayload { get; set; }
        public long? PurchaseTimeMillis { get; set; }

        /// <summary>COMPLETED or CANCELED, as sent.</summary>
        public string? PurchaseState { get; set; }
        public string? Price { get; set; }
        public string? PriceCurrencyCode { get; set; }
        public IReadOnlyList<NotificationPaymentType> PaymentTypeList { get; set; } = new NotificationPaymentType[0];
        public string? BillingKey { get; set; }
        public bool? IsTestMdn { get; set; }

        /// <summary>SANDBOX or COMMERCIAL, as sent.</summary>
        public string? Environment { get; set; }
        public string? MarketCode { get; set; }
        public string? Signature { get; set; }

        /// <summary>The bytes the signature is checked against (<see cref="NotificationSignature.SignedContent"/>).</summary>
        public byte[] SignedContent { get; set; } = new byte[0];

        /// <summary>
        /// Reads a PNS body; an <see cref="ArgumentException"/> when it is not JSON, not an object, or lacks what every
        /// PNS message has (msgVersion, clientId or packageName, purchaseId).
        /// </summary>
        public static NotificationMessage Parse(string body)
        {
            if (body == null) throw new ArgumentNullException(nameof(body));
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException e)
            {
                throw new ArgumentException("The body is not JSON, so not a PNS message: " + e.Message, nameof(body), e);
            }
            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new ArgumentException("The body is not a JSON object, so not a PNS message.", nameof(body));
                try
                {
                    var message = new NotificationMessage
                    {
                        MsgVersion = Text(root, "msgVersion"),
                        ClientId = Text(root, "clientId") ?? Text(root, "packageName"),
                        ProductId = Text(root, "productId"),
                        ProductName = Text(root, "productName"),
                        MessageType = Text(root, "messageType"),
                        PurchaseId = Text(root, "purchaseId"),
                        PurchaseToken = Text(root, "purchaseToken"),
                        DeveloperPayload = Text(root, "developerPayload"),
                        PurchaseTimeMillis = Number(root, "purchaseTimeMillis"),
                        PurchaseState = Text(root, "purchaseState"),
                        Price = Text(root, "price"),
                        PriceCurrencyCode = Text(root, "priceCurrencyCode"),
                        PaymentTypeList = PaymentTypes(root),
                        BillingKey = Text(root, "billingKey"),
                        IsTestMdn = Flag(root, "isTestMdn"),
                        Environment = Text(root, "environment"),
                        MarketCode = Text(root, "marketCode"),
                        Signature = Text(root, "signature"),
                        SignedContent = NotificationSignature.SignedContent(root),
                    };
                    if (string.IsNullOrEmpty(message.MsgVersion) || string.IsNullOrEmpty(message.ClientId) || string.IsNullOrEmpty(message.PurchaseId))
                        throw new ArgumentException("The body is not a PNS message: it lacks msgVersion, clientId (packageName) or purchaseId.", nameof(body));
                    return message;
                }
                catch (Exception e) when (e is FormatException || e is EncoderFallbackException)
                {
                    throw new ArgumentException("The body is not a PNS message: " + e.Message, nameof(body), e);
                }
            }
        }

        private static IReadOnlyList<NotificationPaymentType> PaymentTypes(JsonElement root)
        {
            if (!root.TryGetProperty("paymentTypeList", out JsonElement list) || list.ValueKind == JsonValueKind.Null) return new NotificationPaymentType[0];
            if (list.ValueKind != JsonValueKind.Array) throw new FormatException("'paymentTypeList' is not an array.");
            var result = new List<NotificationPaymentType>();
            foreach (JsonElement item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) throw new FormatException("'paymentTypeList' holds something other than objects.");
                result.Add(new NotificationPaymentType { PaymentMethod = Text(item, "paymentMethod"), Amount = Text(item, "amount") });
            }
            return result;
        }

        private static string? Text(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.String) return v.GetString();
            if (v.ValueKind == JsonValueKind.Number) return v.GetRawText(); // price or amount sent as a number: its exact text
            throw new FormatException("'" + name + "' is not a string.");
        }

        private static long? Number(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n)) return n;
            if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out long s)) return s;
            throw new FormatException("'" + name + "' is not an integer.");
        }

        private static bool? Flag(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.True) return true;
            if (v.ValueKind == JsonValueKind.False) return false;
            if (v.ValueKind == JsonValueKind.String)
            {
                string s = v.GetString()!;
                if (s.Equals("true", StringComparison.OrdinalIgnoreCase) || s == "Y") return true;
                if (s.Equals("false", StringComparison.OrdinalIgnoreCase) || s == "N") return false;
            }
            throw new FormatException("'" + name + "' is not true or false.");
        }
    }

    /// <summary>
    /// The one place that says which bytes a PNS message's signature signs. ONE store's text does not say; third-party
    /// code that ran against the real service verifies SHA512withRSA over the message's JSON without its
    /// <c>signature</c> member, the other members in the order received, written compactly (no whitespace), with
    /// non-ASCII text as plain UTF-8 (notes.md, "PNS": observed, not confirmed). If ONE store's rule turns out to be
    /// another, this is the code to change.
    /// </summary>
    public static class NotificationSignature
    {
        /// <summary>The name of the member that carries the signature and is left out of the signed bytes.</summary>
        public const string SignatureMember = "signature";

        /// <summary>The signed bytes of a PNS body (it must be a JSON object).</summary>
        public static byte[] SignedContent(string body)
        {
            using JsonDocument document = JsonDocument.Parse(body);
            return SignedContent(document.RootElement);
        }

        internal static byte[] SignedContent(JsonElement root)
        {
            using var stream = new MemoryStream();
            var writer = new CompactWriter(stream);
            writer.Raw('{');
            bool first = true;
            foreach (JsonProperty member in root.EnumerateObject())
            {
                if (member.NameEquals(SignatureMember)) continue;
                if (!first) writer.Raw(',');
                first = false;
                writer.String(member.Name);
                writer.Raw(':');
                writer.Value(member.Value);
            }
            writer.Raw('}');
            return stream.ToArray();
        }

        /// <summary>
        /// Compact JSON: strings escape only what JSON requires (the quote, the backslash, control characters); every
        /// other character, '/' and non-ASCII included, is written as its UTF-8 bytes; numbers keep their text.
        /// </summary>
        private sealed class CompactWriter
        {
            private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, true);
            private readonly Stream _stream;

            public CompactWriter(Stream stream) => _stream = stream;

            public void Raw(char c) => _stream.WriteByte((byte)c);

            private void Raw(string ascii)
            {
                foreach (char c in ascii) _stream.WriteByte((byte)c);
            }

            public void Value(JsonElement value)
            {
                switch (value.ValueKind)
                {
                    case JsonValueKind.Object:
                        Raw('{');
                        bool first = true;
                        foreach (JsonProperty member in value.EnumerateObject())
                        {
                            if (!first) Raw(',');
                            first = false;
                            String(member.Name);
                            Raw(':');
                            Value(member.Value);
                        }
                        Raw('}');
                        break;
                    case JsonValueKind.Array:
                        Raw('[');
                        bool firstItem = true;
                        foreach (JsonElement item in value.EnumerateArray())
                        {
                            if (!firstItem) Raw(',');
                            firstItem = false;
                            Value(item);
                        }
                        Raw(']');
                        break;
                    case JsonValueKind.String:
                        String(value.GetString()!);
                        break;
                    default:
                        Raw(value.GetRawText()); // numbers as sent; true, false, null
                        break;
                }
            }

            public void String(string text)
            {
                Raw('"');
                var run = new StringBuilder();
                foreach (char c in text)
                {
                    string? escape = c switch
                    {
                        '"' => "\\\"",
                        '\\' => "\\\\",
                        '\b' => "\\b",
                        '\f' => "\\f",
                        '\n' => "\\n",
                        '\r' => "\\r",
                        '\t' => "\\t",
                        _ when c < 0x20 => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                        _ => null,
                    };
                    if (escape == null)
                    {
                        run.Append(c);
                        continue;
                    }
                    Flush(run);
                    Raw(escape);
                }
                Flush(run);
                Raw('"');
            }

            private void Flush(StringBuilder run)
            {
                if (run.Length == 0) return;
                byte[] bytes = Utf8.GetBytes(run.ToString());
                _stream.Write(bytes, 0, bytes.Length);
                run.Clear();
            }
        }
    }
}
