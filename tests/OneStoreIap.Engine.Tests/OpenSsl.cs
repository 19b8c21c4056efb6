using System;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace OneStoreIap.Engine.Tests
{
    /// <summary>The openssl command-line tool: an implementation of RSA signatures independent of .NET's.</summary>
    internal static class OpenSsl
    {
        public static readonly string? Path = Find();

        public const string SkipReason = "openssl is not installed on this machine (looked for /usr/bin/openssl and on PATH): the signature tests against an independent implementation cannot run.";

        private static string? Find()
        {
            if (File.Exists("/usr/bin/openssl")) return "/usr/bin/openssl";
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
            {
                foreach (string name in new[] { "openssl", "openssl.exe" })
                {
                    string candidate = System.IO.Path.Combine(dir, name);
                    if (File.Exists(candidate)) return candidate;
                }
            }
            return null;
        }

        /// <summary>Runs openssl with <paramref name="args"/> in <paramref name="directory"/>; its stdout; throws on a non-zero exit.</summary>
        public static string Run(string directory, params string[] args)
        {
            var start = new ProcessStartInfo(Path!) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException("openssl " + string.Join(" ", args) + " failed: " + error + output);
            return output;
        }

        /// <summary>A fresh RSA key pair in a temporary folder: key.pem (private), pub.der and pub.pem (SubjectPublicKeyInfo).</summary>
        public static KeyFiles NewRsaKey(int bits = 2048)
        {
            string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "onestore-openssl-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            Run(dir, "genrsa", "-out", "key.pem", bits.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Run(dir, "pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der");
            Run(dir, "pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem");
            return new KeyFiles(dir);
        }

        public sealed class KeyFiles : IDisposable
        {
            public KeyFiles(string dir) => Directory = dir;

            public string Directory { get; }

            /// <summary>The license key as the Developer Center shows it: base64 DER SubjectPublicKeyInfo.</summary>
            public string LicenseKey => Convert.ToBase64String(File.ReadAllBytes(System.IO.Path.Combine(Directory, "pub.der")));

            public string PublicPem => File.ReadAllText(System.IO.Path.Combine(Directory, "pub.pem"));

            /// <summary>openssl dgst -sha512 -sign: SHA512withRSA (PKCS#1 v1.5) of <paramref name="data"/>, base64.</summary>
            public string Sign(byte[] data)
            {
                string file = System.IO.Path.Combine(Directory, "data-" + Guid.NewGuid().ToString("N"));
                File.WriteAllBytes(file, data);
                Run(Directory, "dgst", "-sha512", "-sign", "key.pem", "-out", file + ".sig", file);
                return Convert.ToBase64String(File.ReadAllBytes(file + ".sig"));
            }

            public string Sign(string text) => Sign(new UTF8Encoding(false).GetBytes(text));

            /// <summary>openssl dgst -sha512 -verify with the public key: true on "Verified OK".</summary>
            public bool Verify(byte[] data, string signatureBase64) => VerifyWith(System.IO.Path.Combine(Directory, "pub.pem"), data, signatureBase64);

            public static bool VerifyWith(string publicPemPath, byte[] data, string signatureBase64)
            {
                string dir = System.IO.Path.GetDirectoryName(publicPemPath)!;
                string file = System.IO.Path.Combine(dir, "verify-" + Guid.NewGuid().ToString("N"));
                File.WriteAllBytes(file, data);
                File.WriteAllBytes(file + ".sig", Convert.FromBase64String(signatureBase64));
                var start = new ProcessStartInfo(Path!) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (string a in new[] { "dgst", "-sha512", "-verify", publicPemPath, "-signature", file + ".sig", file }) start.ArgumentList.Add(a);
                using var process = Process.Start(start)!;
                string output = process.StandardOutput.ReadToEnd();
                process.StandardError.ReadToEnd();
                process.WaitForExit();
                return process.ExitCode == 0 && output.Contains("Verified OK", StringComparison.Ordinal);
            }

            public void Dispose()
            {
                try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
            }
        }
    }

    /// <summary>A fact that is skipped, saying why, where openssl is absent.</summary>
    public sealed class OpenSslFactAttribute : FactAttribute
    {
        public OpenSslFactAttribute()
        {
            if (OpenSsl.Path == null) Skip = OpenSsl.SkipReason;
        }
    }
}
