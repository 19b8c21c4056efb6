using System;
using System.Text;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>Purchase and notification signatures, against keys and signatures made by openssl.</summary>
    public sealed class SignatureTests
    {
        private const string Receipt =
            "{\"orderId\":\"ONESTORE7020110233418441\",\"packageName\":\"com.example.game\",\"productId\":\"다이아100\",\"purchaseTime\":1700000000000," +
            "\"purchaseId\":\"SANDBOX3000000004564\",\"purchaseToken\":\"TOKEN-0001\",\"developerPayload\":\"유저-42\",\"purchaseState\":0," +
            "\"acknowledgeState\":0,\"recurringState\":-1,\"quantity\":1}";

        [OpenSslFact]
        public void An_openssl_signature_verifies_with_the_license_key_as_base64_DER_and_as_PEM()
        {
            using var key = OpenSsl.NewRsaKey();
            string signature = key.Sign(Receipt);
            Assert.True(PurchaseVerifier.VerifySignature(OneStoreLicenseKey.Parse(key.LicenseKey), Receipt, signature));
            Assert.True(PurchaseVerifier.VerifySignature(OneStoreLicenseKey.Parse(key.PublicPem), Receipt, signature));
            // The Developer Center's text wrapped and indented by a config file.
            string wrapped = "  " + string.Join("\n    ", Chunks(key.LicenseKey, 64)) + "\r\n";
            Assert.True(PurchaseVerifier.VerifySignature(OneStoreLicenseKey.Parse(wrapped), Receipt, signature));
            Assert.Equal(2048, OneStoreLicenseKey.Parse(key.LicenseKey).KeySize);
        }

        [OpenSslFact]
        public void One_changed_byte_of_the_receipt_the_signature_or_the_key_is_rejected()
        {
            using var key = OpenSsl.NewRsaKey();
            string signature = key.Sign(Receipt);
            OneStoreLicenseKey licenseKey = OneStoreLicenseKey.Parse(key.LicenseKey);

            byte[] data = Encoding.UTF8.GetBytes(Receipt);
            for (int i = 0; i < data.Length; i += 37)
            {
                byte[] changed = (byte[])data.Clone();
                changed[i] ^= 0x01;
                Assert.False(licenseKey.Verify(changed, Convert.FromBase64String(signature)), "receipt byte " + i);
            }
            Assert.False(PurchaseVerifier.VerifySignature(licenseKey, Receipt.Replace("\"quantity\":1", "\"quantity\":9"), signature));

            byte[] sig = Convert.FromBase64String(signature);
            foreach (int i in new[] { 0, 1, sig.Length / 2, sig.Length - 1 })
            {
                byte[] changed = (byte[])sig.Clone();
                changed[i] ^= 0x80;
                Assert.False(PurchaseVerifier.VerifySignature(licenseKey, Receipt, Convert.ToBase64String(changed)), "signature byte " + i);
            }

            // A byte of the modulus (the exponent is the last five bytes of the DER): a different key.
            byte[] der = Convert.FromBase64String(key.LicenseKey);
            foreach (int i in new[] { der.Length - 10, der.Length - 100, 40 })
            {
                byte[] changed = (byte[])der.Clone();
                changed[i] ^= 0x01;
                Assert.False(PurchaseVerifier.VerifySignature(OneStoreLicenseKey.Parse(Convert.ToBase64String(changed)), Receipt, signature), "key byte " + i);
            }
            // A key of its own: a receipt of another app.
            using var other = OpenSsl.NewRsaKey();
            Assert.False(PurchaseVerifier.VerifySignature(OneStoreLicenseKey.Parse(other.LicenseKey), Receipt, signature));
        }

        [OpenSslFact]
        public void A_key_that_is_not_RSA_is_refused()
        {
            using var key = OpenSsl.NewRsaKey();
            OpenSsl.Run(key.Directory, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem");
            OpenSsl.Run(key.Directory, "pkey", "-in", "ec.pem", "-pubout", "-outform", "DER", "-out", "ec.der");
            string ec = Convert.ToBase64String(System.IO.File.ReadAllBytes(System.IO.Path.Combine(key.Directory, "ec.der")));
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => OneStoreLicenseKey.Parse(ec));
            Assert.Contains("not an RSA key", e.Message);
        }

        [Theory]
        [InlineData("", "empty")]
        [InlineData("   ", "empty")]
        [InlineData("MII*not-base64*", "not base64")]
        [InlineData("AAAA", "SubjectPublicKeyInfo")]
        [InlineData("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "SubjectPublicKeyInfo")]
        public void A_malformed_license_key_is_an_ArgumentException_that_says_why(string text, string expected)
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => OneStoreLicenseKey.Parse(text));
            Assert.Contains(expected, e.Message);
            Assert.False(OneStoreLicenseKey.TryParse(text, out _, out string? problem));
            Assert.Contains(expected, problem);
        }

        [OpenSslFact]
        public void A_signature_that_is_not_base64_is_an_ArgumentException_not_false()
        {
            using var key = OpenSsl.NewRsaKey();
            OneStoreLicenseKey licenseKey = OneStoreLicenseKey.Parse(key.LicenseKey);
            Assert.ThrowsAny<ArgumentException>(() => PurchaseVerifier.VerifySignature(licenseKey, Receipt, "**not base64**"));
            Assert.ThrowsAny<ArgumentException>(() => PurchaseVerifier.VerifySignature(licenseKey, Receipt, ""));
            // base64 of the wrong length is a signature that does not verify
            Assert.False(PurchaseVerifier.VerifySignature(licenseKey, Receipt, "AAAA"));
        }

        [Fact]
        public void The_signed_bytes_of_a_notification_are_its_compact_JSON_without_the_signature_member_in_received_order()
        {
            string body = "{\n  \"msgVersion\": \"3.1.0\",\n  \"signature\": \"c2ln\",\n  \"clientId\" : \"com.example\",\n" +
                          "  \"productName\": \"\\ub2e4\\uc774\\uc544 \\\"100\\\" / tab\\t\",\n  \"price\": 1100.50,\n" +
                          "  \"paymentTypeList\": [ { \"paymentMethod\": \"DCB\", \"amount\": \"1100\" } ],\n  \"isTestMdn\": false,\n  \"billingKey\": null\n}";
            string expected = "{\"msgVersion\":\"3.1.0\",\"clientId\":\"com.example\",\"productName\":\"다이아 \\\"100\\\" / tab\\t\",\"price\":1100.50," +
                              "\"paymentTypeList\":[{\"paymentMethod\":\"DCB\",\"amount\":\"1100\"}],\"isTestMdn\":false,\"billingKey\":null}";
            Assert.Equal(expected, Encoding.UTF8.GetString(NotificationSignature.SignedContent(body)));
        }

        [OpenSslFact]
        public void A_notification_signed_by_openssl_over_the_rule_verifies_and_any_changed_field_does_not()
        {
            using var key = OpenSsl.NewRsaKey();
            string unsigned = "{\"msgVersion\":\"3.1.0\",\"clientId\":\"com.example.game\",\"productId\":\"gem_100\",\"messageType\":\"SINGLE_PAYMENT_TRANSACTION\"," +
                              "\"purchaseId\":\"SANDBOX3000000004564\",\"developerPayload\":\"유저-42\",\"purchaseTimeMillis\":1700000000000,\"purchaseState\":\"COMPLETED\"," +
                              "\"price\":\"1100\",\"priceCurrencyCode\":\"KRW\",\"productName\":\"보석 100개\",\"paymentTypeList\":[{\"paymentMethod\":\"DCB\",\"amount\":\"1100\"}]," +
                              "\"billingKey\":\"\",\"isTestMdn\":false,\"purchaseToken\":\"TOKEN-0001\",\"environment\":\"COMMERCIAL\",\"marketCode\":\"MKT_ONE\"}";
            string signature = key.Sign(unsigned);
            OneStoreLicenseKey licenseKey = OneStoreLicenseKey.Parse(key.LicenseKey);
            // As a server may receive it: pretty-printed, the signature first, Korean escaped.
            string received = "{ \"signature\": \"" + signature + "\",\n" + unsigned.Substring(1).Replace(",\"", ",\n \"").Replace("보석", "\\ubcf4\\uc11d");
            NotificationMessage message = NotificationMessage.Parse(received);
            Assert.True(licenseKey.Verify(message.SignedContent, Convert.FromBase64String(message.Signature!)));
            Assert.Equal("보석 100개", message.ProductName);
            Assert.Equal("1100", message.Price);
            Assert.Equal(1700000000000, message.PurchaseTimeMillis);
            Assert.Equal("DCB", Assert.Single(message.PaymentTypeList).PaymentMethod);

            NotificationMessage changed = NotificationMessage.Parse(received.Replace("\"COMPLETED\"", "\"CANCELED\""));
            Assert.False(licenseKey.Verify(changed.SignedContent, Convert.FromBase64String(changed.Signature!)));
        }

        [Theory]
        [InlineData("not json")]
        [InlineData("[1,2]")]
        [InlineData("{\"hello\":\"world\"}")]
        [InlineData("{\"msgVersion\":\"3.1.0\",\"clientId\":\"com.example\"}")]
        [InlineData("{\"msgVersion\":\"3.1.0\",\"clientId\":\"com.example\",\"purchaseId\":\"P1\",\"paymentTypeList\":\"DCB\"}")]
        public void A_body_that_is_not_a_PNS_message_is_an_ArgumentException(string body)
        {
            Assert.ThrowsAny<ArgumentException>(() => NotificationMessage.Parse(body));
        }

        [Fact]
        public void A_3_0_0_message_names_the_client_id_packageName()
        {
            NotificationMessage m = NotificationMessage.Parse("{\"msgVersion\":\"3.0.0\",\"packageName\":\"com.example\",\"purchaseId\":\"P1\",\"isTestMdn\":\"true\"}");
            Assert.Equal("com.example", m.ClientId);
            Assert.True(m.IsTestMdn);
        }

        [Theory]
        [InlineData("{\"productId\":\"a\",\"purchaseToken\":\"t\",\"quantity\":\"2\",\"purchaseState\":0}", 2)]
        [InlineData("{\"productId\":\"a\",\"purchaseToken\":\"t\"}", null)]
        public void A_receipt_takes_numbers_also_as_numeric_strings(string json, int? quantity)
        {
            Assert.True(PurchaseReceipt.TryParse(json, out PurchaseReceipt? receipt, out _));
            Assert.Equal(quantity, receipt!.Quantity);
        }

        [Theory]
        [InlineData("")]
        [InlineData("[]")]
        [InlineData("{\"quantity\":\"many\"}")]
        [InlineData("{\"productId\":{}}")]
        public void A_receipt_that_is_not_an_SDK_receipt_is_refused(string json)
        {
            Assert.False(PurchaseReceipt.TryParse(json, out _, out string? problem));
            Assert.False(string.IsNullOrEmpty(problem));
        }

        private static string[] Chunks(string text, int size)
        {
            var list = new System.Collections.Generic.List<string>();
            for (int i = 0; i < text.Length; i += size) list.Add(text.Substring(i, Math.Min(size, text.Length - i)));
            return list.ToArray();
        }
    }
}
