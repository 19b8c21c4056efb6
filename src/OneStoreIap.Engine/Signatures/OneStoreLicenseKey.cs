using System;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// An app's license key (Developer Center, In-App > Credentials): base64 of a DER X.509 SubjectPublicKeyInfo holding
    /// an RSA public key (notes.md, "Client-side purchase signature"). PEM armour and whitespace are accepted too.
    /// It verifies SHA512withRSA (RSASSA-PKCS1-v1_5, SHA-512) signatures of purchases and of PNS messages.
    /// </summary>
    /// <remarks>
    /// netstandard2.0 has no ImportSubjectPublicKeyInfo, so the SubjectPublicKeyInfo is read with System.Formats.Asn1
    /// (the runtime's own DER reader, shipped as a package for Windows PowerShell) into RSAParameters.
    /// </remarks>
    public sealed class OneStoreLicenseKey
    {
        private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
        private readonly RSAParameters _parameters;

        private OneStoreLicenseKey(RSAParameters parameters, string text)
        {
            _parameters = parameters;
            Text = text;
        }

        /// <summary>The key in the Developer Center's form: base64 DER, no armour, no whitespace.</summary>
        public string Text { get; }

        /// <summary>The RSA modulus size in bits.</summary>
        public int KeySize => _parameters.Modulus!.Length * 8;

        public override string ToString() => Text;

        /// <summary>Reads a license key; an <see cref="ArgumentException"/> says what is wrong with it.</summary>
        public static OneStoreLicenseKey Parse(string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            byte[] der = DecodeBase64(StripArmour(text), "The license key");
            RSAParameters parameters;
            try
            {
                parameters = ReadSubjectPublicKeyInfo(der);
            }
            catch (AsnContentException e)
            {
                throw new ArgumentException("The license key is not a DER SubjectPublicKeyInfo: " + e.Message, nameof(text), e);
            }
            if (parameters.Modulus!.Length < 64)
                throw new ArgumentException("The license key's RSA modulus is shorter than 512 bits.", nameof(text));
            return new OneStoreLicenseKey(parameters, Convert.ToBase64String(der));
        }

        /// <summary>Reads a license key, or returns false with the reason.</summary>
        public static bool TryParse(string? text, out OneStoreLicenseKey? key, out string? problem)
        {
            key = null;
            problem = null;
            if (text == null)
            {
                problem = "There is no license key.";
                return false;
            }
            try
            {
                key = Parse(text);
                return true;
            }
            catch (ArgumentException e)
            {
                problem = e.Message;
                return false;
            }
        }

        /// <summary>
        /// Decodes a base64 signature (whitespace allowed); an <see cref="ArgumentException"/> when it is not base64 or is
        /// empty. (The URL-safe alphabet is accepted too: it is unambiguous, and some proxies rewrite it.)
        /// </summary>
        public static byte[] DecodeSignature(string signature)
        {
            if (signature == null) throw new ArgumentNullException(nameof(signature));
            return DecodeBase64(signature, "The signature");
        }

        /// <summary>Whether <paramref name="signature"/> is this key's SHA512withRSA signature of <paramref name="data"/>.</summary>
        public bool Verify(byte[] data, byte[] signature)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            if (signature == null) throw new ArgumentNullException(nameof(signature));
            // A signature is exactly as long as the modulus; anything else cannot be valid (and some platforms throw on it).
            if (signature.Length != _parameters.Modulus!.Length) return false;
            using RSA rsa = RSA.Create();
            rsa.ImportParameters(_parameters);
            try
            {
                return rsa.VerifyData(data, signature, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1);
            }
            catch (CryptographicException)
            {
                return false;
            }
        }

        /// <summary>Verifies the base64 <paramref name="signature"/> of the UTF-8 bytes of <paramref name="text"/>.</summary>
        public bool Verify(string text, string signature) =>
            Verify(new UTF8Encoding(false, true).GetBytes(text), DecodeSignature(signature));

        private static string StripArmour(string text)
        {
            string t = text.Trim();
            if (!t.StartsWith("-----BEGIN", StringComparison.Ordinal)) return t;
            var builder = new StringBuilder(t.Length);
            foreach (string line in t.Split('\n'))
            {
                string l = line.Trim();
                if (l.StartsWith("-----", StringComparison.Ordinal)) continue;
                builder.Append(l);
            }
            return builder.ToString();
        }

        private static byte[] DecodeBase64(string text, string what)
        {
            var builder = new StringBuilder(text.Length);
            foreach (char c in text)
            {
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
                builder.Append(c == '-' ? '+' : c == '_' ? '/' : c);
            }
            if (builder.Length == 0) throw new ArgumentException(what + " is empty.");
            while (builder.Length % 4 != 0) builder.Append('=');
            try
            {
                return Convert.FromBase64String(builder.ToString());
            }
            catch (FormatException e)
            {
                throw new ArgumentException(what + " is not base64.", e);
            }
        }

        // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
        // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017, RFC 5280)
        private static RSAParameters ReadSubjectPublicKeyInfo(byte[] der)
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader spki = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            AsnReader algorithm = spki.ReadSequence();
            string oid = algorithm.ReadObjectIdentifier();
            if (oid != RsaEncryptionOid) throw new ArgumentException("The license key is not an RSA key (algorithm " + oid + ").");
            if (algorithm.HasData) algorithm.ReadNull();
            algorithm.ThrowIfNotEmpty();
            byte[] bits = spki.ReadBitString(out int unused);
            spki.ThrowIfNotEmpty();
            if (unused != 0) throw new ArgumentException("The license key's public key is not a whole number of bytes.");

            var keyReader = new AsnReader(bits, AsnEncodingRules.DER);
            AsnReader rsaKey = keyReader.ReadSequence();
            keyReader.ThrowIfNotEmpty();
            byte[] modulus = Unsigned(rsaKey.ReadIntegerBytes().ToArray());
            byte[] exponent = Unsigned(rsaKey.ReadIntegerBytes().ToArray());
            rsaKey.ThrowIfNotEmpty();
            if (modulus.Length == 0 || exponent.Length == 0) throw new ArgumentException("The license key's RSA numbers are empty.");
            return new RSAParameters { Modulus = modulus, Exponent = exponent };
        }

        // DER integers are signed: a leading zero byte keeps a positive number's top bit clear.
        private static byte[] Unsigned(byte[] value)
        {
            int start = 0;
            while (start < value.Length - 1 && value[start] == 0) start++;
            if (start == 0) return value;
            var result = new byte[value.Length - start];
            Buffer.BlockCopy(value, start, result, 0, result.Length);
            return result;
        }
    }
}
