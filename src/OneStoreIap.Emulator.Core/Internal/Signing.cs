using System;
using System.Collections.Concurrent;
using System.IO;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>
    /// The apps' RSA key pairs, as ONE store keeps them: the private half signs what the SDK hands the app (a purchase's
    /// originalJson) and the PNS messages; the public half is the license key the Developer Center shows (base64 DER
    /// SubjectPublicKeyInfo; notes.md, "Client-side purchase signature"). A key comes from the seed (<c>privateKey</c>)
    /// or is generated (RSA 2048) the first time an app needs one, and outlives a reset, as a real app's key would.
    /// </summary>
    internal sealed class AppKeys
    {
        private readonly ConcurrentDictionary<string, Lazy<RSA>> keys = new(StringComparer.Ordinal);

        /// <summary>The key pair of <paramref name="clientId"/>, generated on first use.</summary>
        public RSA For(string clientId) =>
            keys.GetOrAdd(clientId, _ => new Lazy<RSA>(() => RSA.Create(2048))).Value;

        /// <summary>Sets an app's key from the seed: PEM (PKCS#8 or PKCS#1) or base64 DER PKCS#8.</summary>
        public void Put(string clientId, string privateKey)
        {
            var rsa = RSA.Create();
            try
            {
                if (privateKey.Contains("-----BEGIN", StringComparison.Ordinal)) rsa.ImportFromPem(privateKey);
                else rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(privateKey), out _);
            }
            catch (Exception e) when (e is CryptographicException || e is FormatException || e is ArgumentException)
            {
                rsa.Dispose();
                throw new SeedException("'privateKey' of app '" + clientId + "' is not an RSA private key (PEM, or base64 DER PKCS#8): " + e.Message);
            }
            if (rsa.KeySize < 1024)
            {
                rsa.Dispose();
                throw new SeedException("'privateKey' of app '" + clientId + "' is shorter than 1024 bits.");
            }
            keys[clientId] = new Lazy<RSA>(() => rsa);
        }

        /// <summary>The license key of <paramref name="clientId"/>: base64 DER SubjectPublicKeyInfo, as the Developer Center shows it.</summary>
        public string LicenseKey(string clientId) => Convert.ToBase64String(For(clientId).ExportSubjectPublicKeyInfo());

        /// <summary>SHA512withRSA (RSASSA-PKCS1-v1_5, SHA-512), base64: how the SDK's and PNS's signatures are made.</summary>
        public string Sign(string clientId, ReadOnlySpan<byte> data)
        {
            RSA rsa = For(clientId);
            lock (rsa) return Convert.ToBase64String(rsa.SignData(data.ToArray(), HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1));
        }
    }

    /// <summary>What the ONE store SDK hands the app for a purchase: its originalJson and signature (notes.md).</summary>
    internal static class Receipts
    {
        // Non-ASCII (Korean product ids and payloads) as UTF-8, as an Android JSON library writes it.
        private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        /// <summary>The receipt's JSON: the SDK's members in its order, values from the purchase's current state.</summary>
        public static string OriginalJson(Purchase p)
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream, Options))
            {
                w.WriteStartObject();
                w.WriteString("orderId", p.OrderId);
                w.WriteString("packageName", p.ClientId);
                w.WriteString("productId", p.ProductId);
                w.WriteNumber("purchaseTime", p.PurchaseTime);
                w.WriteString("purchaseId", p.PurchaseId);
                w.WriteString("purchaseToken", p.PurchaseToken);
                w.WriteString("developerPayload", p.DeveloperPayload ?? "");
                // 0 purchased, 1 cancelled (the 3-day rule), 2 refunded
                w.WriteNumber("purchaseState", p.PurchaseState == 0 ? 0 : p.AutoCancelled ? 1 : 2);
                w.WriteNumber("acknowledgeState", p.AcknowledgeState);
                // 0 recurring, 1 recurring cancelled, -1 not recurring (managed products and subscriptions)
                w.WriteNumber("recurringState", p.Type == ProductType.Auto ? (p.AutoRenewing ? 0 : 1) : -1);
                w.WriteNumber("quantity", p.Quantity);
                w.WriteEndObject();
            }
            return System.Text.Encoding.UTF8.GetString(stream.ToArray());
        }

        /// <summary>Adds <c>originalJson</c> and <c>signature</c> to a control-API purchase object.</summary>
        public static void Write(Utf8JsonWriter w, Purchase p, AppKeys keys)
        {
            var json = OriginalJson(p);
            w.WriteString("originalJson", json);
            w.WriteString("signature", keys.Sign(p.ClientId, System.Text.Encoding.UTF8.GetBytes(json)));
        }
    }
}
